//! Test support for crates that need a real PostgreSQL (feature `testing`).

use std::{path::PathBuf, process::Command};

/// A throwaway PostgreSQL cluster in a temporary directory.
pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl Cluster {
    /// Starts a cluster, or `None` when PostgreSQL is not installed: then it says
    /// loudly that `what` was skipped, and panics instead if `CI` or
    /// `X402ZK_REQUIRE_POSTGRES` is set.
    pub fn start_or_skip(what: &str) -> Option<Cluster> {
        let cluster = Cluster::start();
        if cluster.is_none() {
            if std::env::var_os("CI").is_some()
                || std::env::var_os("X402ZK_REQUIRE_POSTGRES").is_some()
            {
                panic!("PostgreSQL binaries (initdb, pg_ctl) are required here: apt-get install postgresql");
            }
            eprintln!("SKIPPED {what}: no initdb/pg_ctl found (apt-get install postgresql)");
        }
        cluster
    }

    /// Starts a cluster (`None` without PostgreSQL's binaries).
    pub fn start() -> Option<Cluster> {
        let bin = find_pg_bin()?;
        let dir = tempfile::tempdir().unwrap();
        let as_root = running_as_root();
        if as_root {
            // initdb refuses to run as root: hand the directory to `postgres`.
            assert!(Command::new("chown")
                .args(["-R", "postgres"])
                .arg(dir.path())
                .status()
                .unwrap()
                .success());
        }
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let c = Cluster { dir, bin, port };
        c.run(
            "initdb",
            &[
                "-D",
                &c.data(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
        );
        c.pg_ctl("start");
        Some(c)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Runs `pg_ctl ACTION` (`stop`, `start`, `restart`) on the cluster.
    pub fn pg_ctl(&self, action: &str) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &opts,
                "-w",
                "-m",
                "fast",
                "-l",
                &format!("{}/log", self.dir.path().display()),
                action,
            ],
        );
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let exe = self.bin.join(tool);
        let out = if running_as_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&exe)
                .args(args)
                .output()
        } else {
            Command::new(&exe).args(args).output()
        }
        .unwrap();
        assert!(
            out.status.success(),
            "{tool} {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(if running_as_root() { "runuser" } else { "true" })
            .args(if running_as_root() {
                vec!["-u", "postgres", "--"]
            } else {
                vec![]
            })
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .output();
    }
}

fn running_as_root() -> bool {
    // Effective uid from /proc (Linux), to avoid a libc dependency for one call.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

fn find_pg_bin() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .collect();
    candidates.sort();
    candidates.reverse();
    candidates.push(PathBuf::from("/usr/local/bin"));
    candidates.push(PathBuf::from("/usr/bin"));
    candidates
        .into_iter()
        .find(|d| d.join("initdb").exists() && d.join("pg_ctl").exists())
}
