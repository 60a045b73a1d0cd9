/* Unit tests for build-aux/catalog-gen's classification rules: the build
 * stops on a string field of an entity that holds personal data with no
 * classification, on a "…Local" twin classified unlike its base field,
 * and on an unknown category; entities that hold none build as they are.
 * Runs the generator the build uses, on small catalogs written here. */
#include "autoconfig.h"

#include <fcntl.h>
#include <sys/wait.h>

#include "testlib.h"

#define GEN "build-aux/catalog-gen"

static char dir[] = "/tmp/nxm-test-catgen-XXXXXX";

/* One field; pii is a JSON value ("null", "\"NAME\"", "\"NONE\""). */
static void
field(char *out, size_t outsz, const char *name, const char *type, const char *pii)
{
	snprintf(out, outsz,
	         "{\"name\": \"%s\", \"option\": null, \"type\": %s, "
	         "\"required_on_create\": false, \"filterable\": false, \"range_filter\": false, "
	         "\"list_field\": false, \"in_create\": true, \"in_update\": true, "
	         "\"key_field\": false, \"pii\": %s, \"enum\": null, \"name_inferred\": false, "
	         "\"name_basis\": \"test\"}",
	         name, type, pii);
}

/* A catalog of one entity "things" with the given fields (a JSON list's
 * inside); refs is the person_references list's inside. */
static void
catalog(char *out, size_t outsz, const char *refs, const char *fields)
{
	snprintf(out, outsz,
	         "{\"source\": \"test\", \"person_references\": [%s], \"entities\": [{"
	         "\"name\": \"things\", \"singular\": \"Thing\", \"module\": \"spaces\", "
	         "\"path\": \"/api/spaces/things\", \"module_source\": null, "
	         "\"operations\": [\"list\", \"get\"], \"has_commands\": false, "
	         "\"fields\": [%s], \"enums\": {}, \"source_commit\": \"test\"}]}",
	         refs, fields);
}

/* Runs the generator on text; its exit status, and what it printed in err. */
static int
run(const char *text, char *err, size_t errlen)
{
	char in[128], out[128], log[128];
	int status, fd;
	ssize_t n;
	pid_t pid;
	FILE *fp;

	snprintf(in, sizeof(in), "%s/catalog.json", dir);
	snprintf(out, sizeof(out), "%s/catalog_data.c", dir);
	snprintf(log, sizeof(log), "%s/stderr", dir);
	assert_non_null(fp = fopen(in, "w"));
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
		    dup2(fd, STDERR_FILENO) == -1)
			_exit(127);
		execl(GEN, GEN, in, out, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_non_null(fp = fopen(log, "r"));
	n = (ssize_t)fread(err, 1, errlen - 1, fp);
	err[n > 0 ? n : 0] = '\0';
	fclose(fp);
	unlink(in);
	unlink(log);
	/* On failure no partial table is left for make to take. */
	if (WEXITSTATUS(status) != 0)
		assert_int_equal(access(out, F_OK), -1);
	unlink(out);
	return WEXITSTATUS(status);
}

static void
test_classification(void **state)
{
	char f1[512], f2[512], f3[512], fields[2048], text[4096], err[1024];

	(void)state;
	/* Personal (a NAME field): every string classified, a category or
	 * NONE, builds. */
	field(f1, sizeof(f1), "FullName", "\"string\"", "\"NAME\"");
	field(f2, sizeof(f2), "Reference", "\"string\"", "\"NONE\"");
	field(f3, sizeof(f3), "Count", "\"int\"", "null");
	snprintf(fields, sizeof(fields), "%s, %s, %s", f1, f2, f3);
	catalog(text, sizeof(text), "\"CoworkerId\"", fields);
	assert_int_equal(run(text, err, sizeof(err)), 0);

	/* One string left unclassified: the build stops and says which. */
	field(f2, sizeof(f2), "Reference", "\"string\"", "null");
	snprintf(fields, sizeof(fields), "%s, %s, %s", f1, f2, f3);
	catalog(text, sizeof(text), "\"CoworkerId\"", fields);
	assert_int_equal(run(text, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "field \"Reference\": not classified"));

	/* Of unknown type too. */
	field(f2, sizeof(f2), "Reference", "null", "null");
	snprintf(fields, sizeof(fields), "%s, %s", f1, f2);
	catalog(text, sizeof(text), "\"CoworkerId\"", fields);
	assert_int_equal(run(text, err, sizeof(err)), 1);

	/* Personal because a field refers to a person, with no category. */
	field(f1, sizeof(f1), "CoworkerId", "\"long\"", "null");
	field(f2, sizeof(f2), "Reference", "\"string\"", "null");
	snprintf(fields, sizeof(fields), "%s, %s", f1, f2);
	catalog(text, sizeof(text), "\"CoworkerId\"", fields);
	assert_int_equal(run(text, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "not classified"));
	/* The same entity, the reference not listed: not personal, builds. */
	catalog(text, sizeof(text), "\"UserId\"", fields);
	assert_int_equal(run(text, err, sizeof(err)), 0);

	/* ACCESS alone does not make an entity personal. */
	field(f1, sizeof(f1), "AccessCode", "\"string\"", "\"ACCESS\"");
	snprintf(fields, sizeof(fields), "%s, %s", f1, f2);
	catalog(text, sizeof(text), "\"CoworkerId\"", fields);
	assert_int_equal(run(text, err, sizeof(err)), 0);

	/* A Local twin classified unlike its base field. */
	field(f1, sizeof(f1), "DateOfBirth", "\"datetime\"", "\"DOB\"");
	field(f2, sizeof(f2), "DateOfBirthLocal", "\"string\"", "\"NONE\"");
	snprintf(fields, sizeof(fields), "%s, %s", f1, f2);
	catalog(text, sizeof(text), "\"CoworkerId\"", fields);
	assert_int_equal(run(text, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "classified unlike DateOfBirth"));
	field(f2, sizeof(f2), "DateOfBirthLocal", "\"string\"", "\"DOB\"");
	snprintf(fields, sizeof(fields), "%s, %s", f1, f2);
	catalog(text, sizeof(text), "\"CoworkerId\"", fields);
	assert_int_equal(run(text, err, sizeof(err)), 0);
	/* Unclassified and NONE are alike for a twin. */
	field(f1, sizeof(f1), "FromTime", "\"datetime\"", "null");
	field(f2, sizeof(f2), "FromTimeLocal", "\"string\"", "\"NONE\"");
	snprintf(fields, sizeof(fields), "%s, %s", f1, f2);
	catalog(text, sizeof(text), "\"CoworkerId\"", fields);
	assert_int_equal(run(text, err, sizeof(err)), 0);

	/* An unknown category, and a catalog without person_references. */
	field(f1, sizeof(f1), "Secret", "\"string\"", "\"SECRET\"");
	catalog(text, sizeof(text), "\"CoworkerId\"", f1);
	assert_int_equal(run(text, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "unknown pii category \"SECRET\""));
	assert_int_equal(run("{\"source\": \"test\", \"entities\": []}", err, sizeof(err)), 1);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_classification),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
