/*
 * schedule.c - rsguard schedule JOB --every DURATION: systemd service and
 * timer units (or, with --cron, a crontab line) that run the job.  The
 * calendar is pure arithmetic; only --install touches the disk.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "job.h"
#include "mstate.h"
#include "util.h"

static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: rsguard schedule [--jobs-dir DIR] [--state-dir DIR] "
	    "[--metrics-dir DIR]\n"
	    "           [--every DURATION] [--cron | --install "
	    "[--unit-dir DIR]] JOB\n"
	    "Print systemd service and timer units running \"rsguard mirror "
	    "JOB\" every\nDURATION (default: the job's \"every\"): minutes "
	    "dividing 60, hours dividing\n24, 1d or 7d.  --cron prints a "
	    "crontab line instead; --install writes the\nunits to the systemd "
	    "unit directory.\n");
	exit(status);
}

/* A stable spread of start times over jobs: FNV-1a of the name. */
static unsigned
spread(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* OnCalendar= and the cron fields for every seconds; -1 if neither. */
static int
calendar(int every, const char *name, char *cal, size_t csz, char *cron,
    size_t rsz)
{
	unsigned h = spread(name), min = h % 60, hour = (h / 60) % 24;
	int m = every / 60, hr = every / 3600;

	if (every % 60 != 0 || every == 0)
		return -1;
	if (every == 7 * 86400) {
		snprintf(cal, csz, "Sun *-*-* %02u:%02u:00", hour, min);
		snprintf(cron, rsz, "%u %u * * 0", min, hour);
	} else if (every == 86400) {
		snprintf(cal, csz, "*-*-* %02u:%02u:00", hour, min);
		snprintf(cron, rsz, "%u %u * * *", min, hour);
	} else if (every % 3600 == 0 && hr < 24 && 24 % hr == 0) {
		snprintf(cal, csz, "*-*-* %02u/%d:%02u:00", hour % hr, hr, min);
		if (hr == 1)
			snprintf(cron, rsz, "%u * * * *", min);
		else
			snprintf(cron, rsz, "%u %u-23/%d * * *", min,
			    hour % hr, hr);
	} else if (every < 3600 && 60 % m == 0) {
		snprintf(cal, csz, "*-*-* *:%02u/%d:00", min % m, m);
		if (m == 1)
			snprintf(cron, rsz, "* * * * *");
		else
			snprintf(cron, rsz, "%u-59/%d * * * *", min % m, m);
	} else
		return -1;
	return 0;
}

int
schedule_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "jobs-dir", required_argument, NULL, 'J' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "metrics-dir", required_argument, NULL, 'M' },
		{ "every", required_argument, NULL, 'e' },
		{ "cron", no_argument, NULL, 'c' },
		{ "install", no_argument, NULL, 'i' },
		{ "unit-dir", required_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *jobs_dir = NULL, *state_dir = NULL, *metrics = NULL;
	const char *unit_dir = NULL, *errstr;
	char *path, *name, *abspath, *self, *svc, *tmr, *udir, *rw, *fn;
	char cal[64], cron[64], extra[512];
	int ch, every = 0, cronf = 0, install = 0, line, sys = geteuid() == 0;
	struct job j;

	while ((ch = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (ch) {
		case 'J':
			jobs_dir = optarg;
			break;
		case 'S':
			state_dir = optarg;
			break;
		case 'M':
			metrics = optarg;
			break;
		case 'e':
			if (job_duration(optarg, &every) == -1 || every == 0)
				errx(1, "--every: bad duration");
			break;
		case 'c':
			cronf = 1;
			break;
		case 'i':
			install = 1;
			break;
		case 'U':
			unit_dir = optarg;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(1);
		}
	}
	if (argc - optind != 1 || (cronf && install))
		usage(1);
	if ((path = job_find(argv[optind], jobs_dir, &name, &errstr)) == NULL)
		errx(1, "%s: %s", argv[optind], errstr);
	if (job_load(path, &j, &line, &errstr) == -1)
		errx(1, "%s:%d: %s", path, line, errstr);
	if (every == 0 && (every = j.every) == 0)
		errx(1, "no --every and no \"every\" in the job");
	if (calendar(every, j.name, cal, sizeof(cal), cron, sizeof(cron)))
		errx(1, "--every: use minutes dividing 60, hours dividing 24, "
		    "1d or 7d");
	if ((abspath = realpath(path, NULL)) == NULL)
		err(1, "%s", path);
	if ((self = realpath("/proc/self/exe", NULL)) == NULL)
		err(1, "/proc/self/exe");
	snprintf(extra, sizeof(extra), "%s%s%s%s%s%s",
	    state_dir ? " --state-dir " : "", state_dir ? state_dir : "",
	    metrics ? " --metrics-dir " : "", metrics ? metrics : "",
	    "", "");
	if (strpbrk(extra, " \t") && (strchr(extra, '%') ||
	    strchr(extra, '\\')))
		errx(1, "directories with %% or \\ are not supported");
	if (cronf) {
		printf("# rsguard mirror job %s, every %ds\n"
		    "%s %s mirror -q%s %s\n", j.name, every, cron, self,
		    extra, abspath);
		goto out;
	}
	rw = xasprintf("%s%s%s%s%s",
	    state_dir ? state_dir : sys ? "/var/lib/rsguard" :
	    "%S/rsguard", metrics ? " " : "", metrics ? metrics : "",
	    j.direction == JOB_PULL ? " " : "",
	    j.direction == JOB_PULL ? j.local : "");
	svc = xasprintf(
	    "# rsguard mirror job %s (generated by rsguard schedule)\n"
	    "[Unit]\n"
	    "Description=rsguard mirror job %s\n"
	    "Documentation=man:rsguard-mirror(1)\n"
	    "Wants=network-online.target\n"
	    "After=network-online.target\n"
	    "\n[Service]\n"
	    "Type=oneshot\n"
	    "ExecStart=%s mirror -q%s %s\n"
	    "TimeoutStartSec=%d\n"
	    "Nice=10\n"
	    "IOSchedulingClass=idle\n"
	    "UMask=0077\n"
	    "NoNewPrivileges=yes\n"
	    "LockPersonality=yes\n"
	    "RestrictRealtime=yes\n"
	    "RestrictSUIDSGID=yes\n"
	    "MemoryDenyWriteExecute=yes\n"
	    "SystemCallArchitectures=native\n"
	    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n"
	    "%s",
	    j.name, j.name, self, extra, abspath, j.timeout + 60,
	    sys ? "" : "");
	if (sys) {
		tmr = xasprintf("%s"
		    "ProtectSystem=strict\n"
		    "ProtectHome=read-only\n"
		    "ReadWritePaths=%s\n"
		    "PrivateTmp=yes\n"
		    "PrivateDevices=yes\n"
		    "ProtectKernelTunables=yes\n"
		    "ProtectKernelModules=yes\n"
		    "ProtectKernelLogs=yes\n"
		    "ProtectControlGroups=yes\n"
		    "ProtectClock=yes\n"
		    "ProtectHostname=yes\n"
		    "RestrictNamespaces=yes\n"
		    "CapabilityBoundingSet=CAP_DAC_READ_SEARCH "
		    "CAP_DAC_OVERRIDE CAP_CHOWN CAP_FOWNER CAP_FSETID\n",
		    svc, rw);
		free(svc);
		svc = tmr;
	}
	tmr = xasprintf(
	    "# rsguard mirror job %s (generated by rsguard schedule)\n"
	    "[Unit]\n"
	    "Description=Run rsguard mirror job %s every %ds\n"
	    "\n[Timer]\n"
	    "OnCalendar=%s\n"
	    "Persistent=true\n"
	    "RandomizedDelaySec=%d\n"
	    "\n[Install]\n"
	    "WantedBy=timers.target\n",
	    j.name, j.name, every, cal, every / 10 < 900 ? every / 10 : 900);
	if (!install) {
		printf("# ---- rsguard-mirror-%s.service\n%s\n"
		    "# ---- rsguard-mirror-%s.timer\n%s", j.name, svc, j.name,
		    tmr);
	} else {
		udir = unit_dir ? xstrdup(unit_dir) : sys ?
		    xstrdup("/etc/systemd/system") : NULL;
		if (udir == NULL) {
			const char *x = getenv("XDG_CONFIG_HOME");
			const char *h = getenv("HOME");
			udir = x && x[0] == '/' ?
			    xasprintf("%s/systemd/user", x) :
			    xasprintf("%s/.config/systemd/user", h ? h : "");
		}
		fn = xasprintf("rsguard-mirror-%s.service", j.name);
		if (mstate_write(udir, fn, svc, 0644) == -1)
			err(1, "%s/%s", udir, fn);
		free(fn);
		fn = xasprintf("rsguard-mirror-%s.timer", j.name);
		if (mstate_write(udir, fn, tmr, 0644) == -1)
			err(1, "%s/%s", udir, fn);
		printf("installed %s/rsguard-mirror-%s.{service,timer}\n"
		    "enable with: systemctl%s daemon-reload && systemctl%s "
		    "enable --now %s\n", udir, j.name, sys ? "" : " --user",
		    sys ? "" : " --user", fn);
		free(fn);
		free(udir);
	}
	free(svc);
	free(tmr);
	free(rw);
 out:
	free(self);
	free(abspath);
	free(name);
	free(path);
	job_free(&j);
	return 0;
}
