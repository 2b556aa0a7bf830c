/* QR codes (qr.h): the enrollment URI, the SVG's shape, and a decode of
 * the drawing by zbarimg (zbar-tools) after rsvg-convert (librsvg2-bin)
 * turned it into a PNG: what a kiosk's camera would read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qr.h"
#include "test.h"

static char dir[] = "/tmp/fieldsync-qr-XXXXXX";

static void enroll_uri(void)
{
	char out[256];
	fs_err e = {0, ""};

	CHECK(fs_qr_enroll_uri(out, sizeof(out), "ABCDE-FGHJK-MN", NULL, &e) == 0);
	CHECK_STR(out, "fieldsync-enroll:ABCDE-FGHJK-MN");
	CHECK(fs_qr_enroll_uri(out, sizeof(out), "ABCDE-FGHJK-MN", "https://hub.example.org:8420/fs",
			     &e) == 0);
	CHECK_STR(out, "fieldsync-enroll:ABCDE-FGHJK-MN?hub=https%3A%2F%2Fhub.example.org%3A8420%2Ffs");
	CHECK(fs_qr_enroll_uri(out, sizeof(out), "AB<script>", NULL, &e) == FS_EINVAL);
	CHECK(fs_qr_enroll_uri(out, sizeof(out), "ABCDE", "ftp://x", &e) == FS_EINVAL);
	CHECK(fs_qr_enroll_uri(out, sizeof(out), "ABCDE", "https://x y", &e) == FS_EINVAL);
	CHECK(fs_qr_enroll_uri(out, 40, "ABCDE-FGHJK-MN", "https://hub.example.org:8420", &e) ==
	      FS_EINVAL);
	CHECK(out[0] == '\0');
}

/* The dark modules' rectangles start inside the quiet zone and end
 * before it; the viewBox is the symbol (21 + 4k modules) and the zone. */
static void svg_shape(void)
{
	char *svg = NULL, big[FS_QR_TEXT_MAX + 2];
	size_t len = 0;
	int n = 0, x, y, run, modules, bad = 0, rects = 0;
	const char *p;
	fs_err e = {0, ""};

	CHECK(fs_qr_svg("", NULL, &svg, &len, &e) == FS_EINVAL && svg == NULL);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(fs_qr_svg(big, NULL, &svg, &len, &e) == FS_EINVAL && svg == NULL);
	CHECK(fs_qr_svg("fieldsync-enroll:ABCDE-FGHJK-MN", "Enrollment code <x>", &svg, &len,
			 &e) == 0);
	CHECK(svg != NULL && strlen(svg) == len);
	CHECK(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ", 53) == 0);
	CHECK(sscanf(svg + 53, "%d", &n) == 1);
	modules = n - 2 * FS_QR_QUIET;
	CHECK(modules >= 21 && (modules - 21) % 4 == 0);
	CHECK(strstr(svg, "role=\"img\"><title>Enrollment code &lt;x></title>") != NULL);
	p = strstr(svg, " d=\"");
	CHECK(p != NULL);
	for (p = p ? p + 4 : ""; sscanf(p, "M%d %dh%dv1h-%*dz", &x, &y, &run) == 3;
	     p = strchr(p, 'z') + 1) {
		rects++;
		if (x < FS_QR_QUIET || y < FS_QR_QUIET || x + run > n - FS_QR_QUIET ||
		    y >= n - FS_QR_QUIET)
			bad++;
	}
	CHECK(rects > 20 && bad == 0);
	CHECK(strcmp(p, "\"/></svg>\n") == 0);
	free(svg);
}

/* Draw text, render it and read it back as a camera would. */
static void decodes_to(const char *text)
{
	char svgpath[128], pngpath[128], cmd[512], got[2048];
	char *svg = NULL;
	size_t len = 0, n;
	fs_err e = {0, ""};
	FILE *f;

	CHECK(fs_qr_svg(text, NULL, &svg, &len, &e) == 0);
	snprintf(svgpath, sizeof(svgpath), "%s/code.svg", dir);
	snprintf(pngpath, sizeof(pngpath), "%s/code.png", dir);
	f = fopen(svgpath, "w");
	CHECK(f != NULL && fwrite(svg, 1, len, f) == len && fclose(f) == 0);
	free(svg);
	snprintf(cmd, sizeof(cmd), "rsvg-convert -w 400 -h 400 -o %s %s", pngpath, svgpath);
	CHECK_MSG(system(cmd) == 0, "%s failed", cmd);
	snprintf(cmd, sizeof(cmd), "zbarimg --quiet --raw -Sdisable -Sqrcode.enable %s 2>/dev/null", pngpath);
	f = popen(cmd, "r");
	CHECK(f != NULL);
	n = f ? fread(got, 1, sizeof(got) - 1, f) : 0;
	got[n] = '\0';
	if (f)
		CHECK_MSG(pclose(f) == 0, "zbarimg found no QR code in %s", pngpath);
	while (n > 0 && got[n - 1] == '\n')
		got[--n] = '\0';
	CHECK_STR(got, text);
}

static void decoded_by_a_reader(void)
{
	char uri[1200], url[300];
	fs_err e = {0, ""};

	if (system("command -v rsvg-convert >/dev/null && command -v zbarimg >/dev/null") != 0) {
		fprintf(stderr, "qr_test: rsvg-convert (librsvg2-bin) and zbarimg (zbar-tools) are "
				"needed; scripts/deps.sh installs them\n");
		CHECK(0);
		return;
	}
	decodes_to("ABCDE-FGHJK-MN");
	CHECK(fs_qr_enroll_uri(uri, sizeof(uri), "ABCDE-FGHJK-MN", "https://hub.example.org:8420",
			     &e) == 0);
	decodes_to(uri);
	/* A long hub URL: a larger symbol. */
	snprintf(url, sizeof(url), "https://%0200d.example.org", 0);
	CHECK(fs_qr_enroll_uri(uri, sizeof(uri), "ABCDE-FGHJK-MN", url, &e) == 0);
	decodes_to(uri);
}

int main(void)
{
	char cmd[160];

	if (mkdtemp(dir) == NULL)
		return 2;
	RUN(enroll_uri);
	RUN(svg_shape);
	RUN(decoded_by_a_reader);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "qr_test: could not remove %s\n", dir);
	return TEST_DONE();
}
