#!/usr/bin/env python3
"""A private MariaDB server for tests: installed from Debian when missing,
started on a temporary data directory and socket (no TCP), removed after.

    mariadb.py run [--statement-log] -- COMMAND [ARGS]
                     # CB_TEST_MYSQL=mysql://root@/DB?socket=... for it; with
                     # --statement-log the server keeps a binary log of statements
                     # (binlog_format STATEMENT, as a replication source may)

Tests import it: PrivateMariaDB().start(), .uri(db), .stop(), .start() again.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time


def ensure_installed():
    if shutil.which("mariadbd") or os.path.exists("/usr/sbin/mariadbd"):
        return
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                           "mariadb-server"], check=True, env=env)


def tool(name):
    for d in ("/usr/sbin", "/usr/bin"):
        if os.path.exists(os.path.join(d, name)):
            return os.path.join(d, name)
    found = shutil.which(name)
    if not found:
        raise RuntimeError("%s not found" % name)
    return found


class PrivateMariaDB:
    def __init__(self, extra=()):
        ensure_installed()
        self.extra = list(extra)
        self.dir = tempfile.mkdtemp(prefix="cb-mariadb-")
        self.datadir = os.path.join(self.dir, "data")
        self.socket = os.path.join(self.dir, "sock")
        self.proc = None
        user = ["--user=root"] if os.geteuid() == 0 else []
        p = subprocess.run([tool("mariadb-install-db"), "--no-defaults",
                            "--datadir=" + self.datadir, "--auth-root-authentication-method=normal",
                            "--skip-test-db"] + user, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError("mariadb-install-db failed: " + p.stdout + p.stderr)

    def start(self):
        user = ["--user=root"] if os.geteuid() == 0 else []
        self.log = open(os.path.join(self.dir, "server.log"), "ab")
        self.proc = subprocess.Popen(
            [tool("mariadbd"), "--no-defaults", "--datadir=" + self.datadir,
             "--socket=" + self.socket, "--skip-networking", "--pid-file=" +
             os.path.join(self.dir, "pid"), "--innodb-buffer-pool-size=256M",
             "--max-allowed-packet=64M", "--innodb-flush-log-at-trx-commit=1"] + user + self.extra,
            stdout=self.log, stderr=self.log)
        for _ in range(600):
            if self.proc.poll() is not None:
                raise RuntimeError("mariadbd exited; see " + self.log.name)
            if os.path.exists(self.socket) and subprocess.run(
                    [tool("mariadb-admin"), "--no-defaults", "-uroot", "--socket=" + self.socket,
                     "ping"], capture_output=True).returncode == 0:
                return self
            time.sleep(0.1)
        raise RuntimeError("mariadbd did not come up")

    def stop(self, kill=False):
        if self.proc and self.proc.poll() is None:
            if kill:
                self.proc.kill()
            else:
                self.proc.terminate()
            self.proc.wait(timeout=120)
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()
            self.log = None

    def sql(self, statement, db=None):
        args = [tool("mariadb"), "--no-defaults", "-uroot", "--socket=" + self.socket, "-N", "-B",
                "-e", statement]
        if db:
            args.append(db)
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout

    def uri(self, db):
        return "mysql://root@/%s?socket=%s" % (db, self.socket)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def main():
    args = sys.argv[1:]
    extra = []
    if args[:2] == ["run", "--statement-log"]:
        args = ["run"] + args[2:]
        extra = ["--log-bin=binlog", "--binlog-format=STATEMENT", "--server-id=1"]
    if len(args) < 3 or args[0] != "run" or args[1] != "--":
        print(__doc__)
        return 2
    server = PrivateMariaDB(extra).start()
    try:
        env = dict(os.environ, CB_TEST_MYSQL=server.uri("coinbit_test"))
        return subprocess.run(args[2:], env=env).returncode
    finally:
        server.cleanup()


if __name__ == "__main__":
    sys.exit(main())
