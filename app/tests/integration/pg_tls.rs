//! PostgreSQL over TLS (issue 17; docs/deploy.md): a throwaway cluster
//! started here with TLS required (initdb and pg_ctl of the installed
//! PostgreSQL, its own port and folder) and a certificate authority made
//! here with openssl. `sslmode` and `sslrootcert` come from DATABASE_URL:
//! `verify-full` connects, a wrong CA is refused naming the certificate,
//! and `sslmode=disable` is refused by a server that requires TLS.
//!
//! Needs PostgreSQL's server programs and openssl; without them the test
//! says so and passes, unless `PAYDESK_REQUIRE_POSTGRES=1` (CI).

use app::db::Db;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The installed PostgreSQL's programs (Debian keeps them out of PATH).
fn pg_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

/// Runs `cmd`, as the `postgres` user when we are root (initdb and the
/// server refuse to run as root).
fn run(as_postgres: bool, program: &Path, args: &[&str]) {
    let out = if as_postgres {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(program)
            .args(args)
            .output()
    } else {
        Command::new(program).args(args).output()
    }
    .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
    assert!(
        out.status.success(),
        "{} {args:?}: {}{}",
        program.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA (`{name}.crt`, `{name}.key`) in `dir`.
fn make_ca(dir: &Path, name: &str) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            &format!("/CN=Paydesk test {name}"),
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.crt"),
        ],
    );
}

/// Stops the cluster however the test ends.
struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    as_postgres: bool,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data.to_string_lossy().into_owned();
        let _ = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(self.bin.join("pg_ctl"))
                .args(["-D", &data, "-m", "immediate", "stop"])
                .output()
        } else {
            Command::new(self.bin.join("pg_ctl"))
                .args(["-D", &data, "-m", "immediate", "stop"])
                .output()
        };
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test]
async fn postgres_over_tls_verifies_the_server_and_refuses_plain_text() {
    let required = std::env::var("PAYDESK_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let have_openssl = Command::new("openssl").arg("version").output().is_ok();
    let Some(bin) = pg_bin().filter(|_| have_openssl) else {
        assert!(
            !required,
            "PostgreSQL's server programs and openssl are required (PAYDESK_REQUIRE_POSTGRES=1)"
        );
        eprintln!("skipping: no initdb under /usr/lib/postgresql, or no openssl");
        return;
    };
    let as_postgres = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    // The postgres user must reach its folder and read its key.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    // A CA, a server certificate it signs for localhost, and a stranger CA.
    make_ca(&dir, "ca");
    make_ca(&dir, "stranger");
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .unwrap();
    openssl(
        &dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ],
    );
    openssl(
        &dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "san.ext",
            "-out",
            "server.crt",
        ],
    );

    let data = dir.join("data");
    let port = free_port();
    if as_postgres {
        run(
            false,
            Path::new("chown"),
            &["postgres", &dir.join("server.key").to_string_lossy()],
        );
        std::fs::create_dir(&data).unwrap();
        run(
            false,
            Path::new("chown"),
            &["postgres", &data.to_string_lossy()],
        );
    }
    run(
        false,
        Path::new("chmod"),
        &["600", &dir.join("server.key").to_string_lossy()],
    );
    run(
        as_postgres,
        &bin.join("initdb"),
        &[
            "-D",
            &data.to_string_lossy(),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
        ],
    );
    let conf = format!(
        "\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
         ssl = on\nssl_cert_file = '{}'\nssl_key_file = '{}'\nfsync = off\n",
        data.display(),
        dir.join("server.crt").display(),
        dir.join("server.key").display(),
    );
    let mut pg_conf = std::fs::read_to_string(data.join("postgresql.conf")).unwrap();
    pg_conf.push_str(&conf);
    std::fs::write(data.join("postgresql.conf"), pg_conf).unwrap();
    // TLS or nothing over the network.
    std::fs::write(
        data.join("pg_hba.conf"),
        "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n",
    )
    .unwrap();
    let _cluster = Cluster {
        bin: bin.clone(),
        data: data.clone(),
        as_postgres,
    };
    run(
        as_postgres,
        &bin.join("pg_ctl"),
        &[
            "-D",
            &data.to_string_lossy(),
            "-l",
            &data.join("log").to_string_lossy(),
            "-w",
            "start",
        ],
    );

    let url = |query: &str| format!("postgres://postgres@localhost:{port}/postgres?{query}");
    let ca = dir.join("ca.crt");
    let stranger = dir.join("stranger.crt");

    // verify-full: the certificate chains to sslrootcert and names the host.
    let db = Db::connect(&url(&format!(
        "sslmode=verify-full&sslrootcert={}",
        ca.display()
    )))
    .await
    .expect("verify-full connects");
    let Db::Postgres(pool) = &db else {
        panic!("a PostgreSQL pool")
    };
    let tls: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(tls, "the connection is encrypted");
    // require: encrypted, the certificate not checked.
    Db::connect(&url("sslmode=require"))
        .await
        .expect("require connects");

    // A CA that did not sign the server's certificate: refused, saying why.
    let wrong = Db::connect(&url(&format!(
        "sslmode=verify-full&sslrootcert={}",
        stranger.display()
    )))
    .await
    .expect_err("a wrong CA is refused")
    .to_string();
    assert!(wrong.to_lowercase().contains("certificate"), "{wrong}");

    // Plain text: the server's pg_hba.conf refuses it.
    let plain = Db::connect(&url("sslmode=disable"))
        .await
        .expect_err("sslmode=disable is refused")
        .to_string();
    assert!(plain.contains("no encryption"), "{plain}");
}
