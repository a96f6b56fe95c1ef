/* `finwait keys`: one line a key, `section.key  type  default  help`, printed from the
 * schema's rows (common/schema.c), then the sections whose keys are free (sysctls, the
 * matrix). */
#include "keys.h"

#include <stdio.h>
#include <string.h>

#include "exitcode.h"
#include "schema.h"

static const char keys_usage[] =
	"Usage: finwait keys\n"
	"Lists every scenario key, one a line: section.key, type, default (- when unset),\n"
	"what it means and what it accepts. Any key can be set in a scenario file, with\n"
	"`finwait run --set section.key=VALUE`, or varied with --matrix (where the last\n"
	"column says so). [scenario] keys may be written without their section.\n";

int cmd_keys(int argc, char **argv)
{
	char name[64], hint[160];

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(keys_usage, stdout);
		return FW_EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "finwait keys: unexpected argument '%s' (see --help)\n", argv[1]);
		return FW_EXIT_USAGE;
	}
	for (size_t i = 0; i < FW_K_COUNT; i++) {
		const struct fw_key *k = &fw_keys[i];

		snprintf(name, sizeof(name), "%s.%s", k->section, k->name);
		/* Free text needs no hint; everything else says what it accepts. */
		if (k->type == FW_T_TEXT || k->type == FW_T_COMMAND || k->type == FW_T_PATH)
			hint[0] = '\0';
		else
			fw_key_hint(k, hint, sizeof(hint));
		printf("%-22s %-12s %-10s %s%s%s%s%s\n", name, fw_type_name(k->type),
		       fw_key_default(k) && *fw_key_default(k) ? fw_key_default(k) : "-", k->help, hint[0] ? " (" : "", hint,
		       hint[0] ? ")" : "", k->matrix ? "" : "; not in a matrix");
	}
	printf("%-22s %-12s %-10s %s\n", "sysctl.NAME", "sysctl", "-",
	       "a net.* sysctl of the server's namespace ([sysctl] NAME = VALUE)");
	printf("%-22s %-12s %-10s %s\n", "client.sysctl.NAME", "sysctl", "-",
	       "a net.* sysctl of the client's namespace ([client.sysctl] NAME = VALUE)");
	return FW_EXIT_OK;
}
