//! A PostgreSQL server of the test's own: a cluster made with `initdb` in
//! a temporary directory and run with `pg_ctl` on a free loopback port,
//! so a test can stop and start PostgreSQL itself without touching the
//! machine's shared server. Run as the `postgres` user when the test runs
//! as root (PostgreSQL refuses to run as root).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The cluster; stopped (immediately) and removed when dropped.
#[derive(Debug)]
pub struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    log: PathBuf,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Whether PostgreSQL's programs run through `runuser -u postgres`.
    as_postgres: bool,
    dir: tempfile::TempDir,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// The directory of PostgreSQL's server programs (`pg_config --bindir`).
fn bin_dir() -> PathBuf {
    let out = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .expect("pg_config (PostgreSQL's server packages) is installed");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

impl Cluster {
    /// Makes the cluster (trust authentication, loopback only) and starts it.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let cluster = Self {
            bin: bin_dir(),
            data: dir.path().join("data"),
            log: dir.path().join("postgres.log"),
            port,
            as_postgres: is_root(),
            dir,
        };
        if cluster.as_postgres {
            let chown = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(cluster.dir.path())
                .status()
                .expect("chown");
            assert!(chown.success(), "chown the cluster's directory to postgres");
        }
        cluster.run(
            "initdb",
            &["-U", "postgres", "--auth=trust", "-E", "UTF8", "-D"],
            Some(&cluster.data),
        );
        cluster.up();
        cluster
    }

    /// `postgres://…` for `database` on this cluster.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Starts PostgreSQL and waits until it accepts connections.
    pub fn up(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.dir.path().display()
        );
        let log = self.log.display().to_string();
        self.run(
            "pg_ctl",
            &["-w", "-l", &log, "-o", &options, "start", "-D"],
            Some(&self.data),
        );
    }

    /// Stops PostgreSQL the way a restart for maintenance does (`fast`:
    /// sessions are ended, transactions rolled back) and waits until it is
    /// down.
    pub fn down(&self) {
        self.run(
            "pg_ctl",
            &["-w", "-m", "fast", "stop", "-D"],
            Some(&self.data),
        );
    }

    /// `program` of PostgreSQL's, as the `postgres` user when we are root.
    fn command(&self, program: &str) -> Command {
        let exe = self.bin.join(program);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        }
    }

    fn run(&self, program: &str, args: &[&str], path: Option<&Path>) {
        let mut cmd = self.command(program);
        cmd.args(args);
        if let Some(path) = path {
            cmd.arg(path);
        }
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("run {program}: {e}"));
        assert!(
            out.status.success(),
            "{program} failed: {}{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["-m", "immediate", "stop", "-D"])
            .arg(&self.data)
            .output();
    }
}
