#include "err.h"

#include <stdarg.h>
#include <stdio.h>

char *fw_err_format(const struct fw_err *err, char *buf, size_t len)
{
	if (!err->file[0])
		snprintf(buf, len, "%s", err->msg);
	else if (err->line > 0)
		snprintf(buf, len, "%s:%d: %s", err->file, err->line, err->msg);
	else
		snprintf(buf, len, "%s: %s", err->file, err->msg);
	return buf;
}

int fw_err_set(struct fw_err *err, int ret, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return ret;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return ret;
}
