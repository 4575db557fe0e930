//! Secrets and files at rest, on both backends: NACHA files sealed in the
//! database and downloaded only by the entitled (audited), disk copies and
//! the outbox readable by the server's user only, uploads that leave no
//! temporary file behind, and an audit export that streams.

use crate::support;
use crate::support::{call, signed_in};

use reqwest::header::{CONTENT_TYPE, LOCATION};
use reqwest::{Client, Response, StatusCode};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use support::{ADMIN, CSR, TestDb, TestServer};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

async fn one_text(db: &app::db::Db, sql: &str) -> String {
    match db {
        app::db::Db::Sqlite(p) => sqlx::query_scalar::<_, String>(sql).fetch_one(p).await,
        app::db::Db::Postgres(p) => sqlx::query_scalar::<_, String>(sql).fetch_one(p).await,
    }
    .expect(sql)
}

const ACCOUNT_NUMBER: &str = "000444555666";

/// An ACH payment settled into a file; the file's id and name.
async fn settled_file(t: &TestDb, s: &TestServer) -> (i64, String) {
    let casey = support::staff(&t.db, CSR.0).await;
    support::pay(&s.state, &casey, "100005", "25.00", Some(ACCOUNT_NUMBER)).await;
    let out = support::settle(s).await;
    let file = out.run.and_then(|r| r.file).expect("an ACH file");
    (file.id, file.file_name)
}

async fn downloads(t: &TestDb) -> i64 {
    support::count(
        &t.db,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'settlement.ach_download'",
    )
    .await
}

async fn ach_files_are_sealed_at_rest_private_on_disk_and_downloaded_audited(t: &TestDb) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    let s = support::serve(t).await;
    let (id, name) = settled_file(t, &s).await;

    let stored = one_text(
        &t.db,
        &format!("SELECT content FROM ach_files WHERE id = {id}"),
    )
    .await;
    assert!(
        !stored.contains(ACCOUNT_NUMBER),
        "the stored file holds no account number in clear"
    );
    assert!(stored.starts_with(app::services::settlement::SEALED_PREFIX));

    // The bank's copy: in clear (for the transfer), but the server's alone.
    let data = s.data_dir.path();
    let copy = data.join("ach").join(&name);
    let on_disk = std::fs::read_to_string(&copy).unwrap();
    assert!(on_disk.contains(ACCOUNT_NUMBER));
    assert_eq!(mode(&copy), 0o600, "the disk copy");
    assert_eq!(mode(&data.join("ach")), 0o700, "the ach folder");
    assert_eq!(mode(data), 0o700, "the data folder");
    assert_eq!(mode(&data.join("secret.key")), 0o600, "the key");

    // Only the Settlement entitlement downloads it, and each download is audited.
    let url = format!("{}{}", s.base, app::routes::ach_file(id));
    let csr = signed_in(&s, CSR).await;
    assert_eq!(
        csr.get(&url).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        support::client().get(&url).send().await.unwrap().status(),
        StatusCode::SEE_OTHER,
        "anonymous: to sign-in"
    );
    assert_eq!(downloads(t).await, 0, "refused downloads give nothing");
    let admin = signed_in(&s, ADMIN).await;
    let r = admin.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert_eq!(text, on_disk, "decrypts to the NACHA text that was sent");
    app::domain::nacha::parse_file(&text).expect("a valid NACHA file");
    assert_eq!(downloads(t).await, 1, "the download is audited");
    assert_eq!(
        one_text(
            &t.db,
            "SELECT actor_login || ' ' || object FROM audit_log WHERE action = 'settlement.ach_download'"
        )
        .await,
        format!("{} ACH file {name}", ADMIN.0)
    );

    // The copy is written again from the sealed row if it went missing.
    std::fs::remove_file(&copy).unwrap();
    app::services::settlement::write_ach_copy(&t.db, &s.state.config, &s.state.keys, id)
        .await
        .unwrap();
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), on_disk);
    assert_eq!(mode(&copy), 0o600);
}

async fn ach_files_stored_in_clear_by_an_older_version_are_read_then_sealed(t: &TestDb) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    let s = support::serve(t).await;
    let (id, name) = settled_file(t, &s).await;
    let plain = std::fs::read_to_string(s.data_dir.path().join("ach").join(&name)).unwrap();
    // As an older version stored it.
    let sql = format!(
        "UPDATE ach_files SET content = '{}' WHERE id = {id}",
        plain.replace('\'', "''")
    );
    assert_eq!(support::execute(&t.db, &sql).await.unwrap(), 1);

    let admin = signed_in(&s, ADMIN).await;
    let url = format!("{}{}", s.base, app::routes::ach_file(id));
    assert_eq!(
        admin.get(&url).send().await.unwrap().text().await.unwrap(),
        plain,
        "still readable before it is sealed"
    );
    let seal = || app::services::settlement::seal_stored_ach_files(&t.db, &s.state.keys);
    assert_eq!(seal().await.unwrap(), 1);
    assert_eq!(seal().await.unwrap(), 0, "sealing again changes nothing");
    let stored = one_text(
        &t.db,
        &format!("SELECT content FROM ach_files WHERE id = {id}"),
    )
    .await;
    assert!(!stored.contains(ACCOUNT_NUMBER));
    assert_eq!(
        admin.get(&url).send().await.unwrap().text().await.unwrap(),
        plain,
        "and reads the same afterwards"
    );
}

async fn the_outbox_is_private(t: &TestDb) {
    let s = support::serve(t).await;
    app::services::notices::send_temporary_password(
        &s.state.mailer,
        &s.state.config,
        "new.staff@example.com",
        "newstaff",
        "temporary-secret-42",
    )
    .await
    .unwrap();
    let outbox = s.data_dir.path().join("outbox");
    support::wait_for_mail(&outbox, "temporary-secret-42", 1).await;
    assert_eq!(mode(&outbox), 0o700);
    let files: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!files.is_empty());
    for f in files {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
        assert_eq!(f.extension().and_then(|x| x.to_str()), Some("eml"));
    }
}

/// Posts a multipart form built from `parts`: (field name, file name, content).
async fn post_form(c: &Client, s: &TestServer, parts: &[(&str, Option<&str>, &[u8])]) -> Response {
    let boundary = "----paydesk-test-boundary";
    let mut body = Vec::new();
    for (field, file, content) in parts {
        let disposition = match file {
            Some(f) => {
                format!("form-data; name=\"{field}\"; filename=\"{f}\"\r\nContent-Type: text/csv")
            }
            None => format!("form-data; name=\"{field}\""),
        };
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    c.post(format!("{}/uploads", s.base))
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Files in the uploads folder other than kept uploads (`{id}.csv`).
fn temporary_uploads(s: &TestServer) -> Vec<String> {
    std::fs::read_dir(s.data_dir.path().join("uploads"))
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.ends_with(".csv"))
                .collect()
        })
        .unwrap_or_default()
}

const FILE: &[u8] = b"account_number,first_name,last_name\n400001,Ann,Lee\n";

async fn uploads_leave_no_temporary_file_behind(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    let admin = signed_in(&s, ADMIN).await;

    // A second file field: one upload is made and no temporary file is left.
    let r = post_form(
        &admin,
        &s,
        &[
            ("kind", None, b"accounts"),
            ("file", Some("first.csv"), FILE),
            ("file", Some("second.csv"), FILE),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/uploads/")
    );
    assert_eq!(temporary_uploads(&s), Vec::<String>::new(), "second field");

    // A file field with no file chosen (an empty name).
    let r = post_form(
        &admin,
        &s,
        &[("kind", None, b"accounts"), ("file", Some(""), FILE)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()[LOCATION]
            .to_str()
            .unwrap()
            .contains("error=Choose"),
        "asked to choose a file"
    );
    assert_eq!(temporary_uploads(&s), Vec::<String>::new(), "empty name");

    // A bad file type after the file: refused, nothing left.
    let r = post_form(
        &admin,
        &s,
        &[
            ("file", Some("a.csv"), FILE),
            ("kind", None, b"spreadsheets"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(temporary_uploads(&s), Vec::<String>::new(), "bad kind");

    // A client that hangs up half-way through the file.
    {
        use tokio::io::AsyncWriteExt;
        let cookie = signed_in_cookie(&s).await;
        let addr = s.base.trim_start_matches("http://").to_string();
        let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let boundary = "b0undary";
        let head = format!(
            "POST /uploads HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nOrigin: {}\r\n\
             Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 10000000\r\n\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.csv\"\r\n\r\n",
            s.base
        );
        conn.write_all(head.as_bytes()).await.unwrap();
        conn.write_all(&FILE.repeat(2_000)).await.unwrap();
        conn.flush().await.unwrap();
        // Give the server time to start writing the file, then hang up.
        let dir = s.data_dir.path().join("uploads");
        for _ in 0..200 {
            if !temporary_uploads(&s).is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(
            !temporary_uploads(&s).is_empty(),
            "the file was arriving in {}",
            dir.display()
        );
        drop(conn);
    }
    let mut left = temporary_uploads(&s);
    for _ in 0..200 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        left = temporary_uploads(&s);
    }
    assert_eq!(left, Vec::<String>::new(), "a client that hung up");
}

/// The session cookie of a freshly signed-in administrator, as a header value.
async fn signed_in_cookie(s: &TestServer) -> String {
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = call(
        &c,
        s,
        "sign_in",
        &[("login", ADMIN.0), ("password", ADMIN.1)],
    )
    .await;
    assert_eq!(r.status(), 200);
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}

async fn stale_temporary_uploads_are_swept(t: &TestDb) {
    let s = support::serve(t).await;
    let dir = s.data_dir.path().join("uploads");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("incoming-left-by-a-crash"), b"x").unwrap();
    std::fs::write(dir.join("7.csv"), b"a kept upload").unwrap();
    let config = &s.state.config;
    use app::services::uploads::sweep_stale_incoming;
    assert_eq!(
        sweep_stale_incoming(config, std::time::Duration::from_secs(3600)),
        0,
        "a file still being written is not stale"
    );
    assert_eq!(sweep_stale_incoming(config, std::time::Duration::ZERO), 1);
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["7.csv"], "kept uploads stay");
}

/// 20,000 audit rows export as a stream, in pages, every row once and in order.
async fn a_large_audit_export_streams(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    const ROWS: i64 = 20_000;
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS}) \
         INSERT INTO audit_log (at, actor_login, action, object, after_json, ip) \
         SELECT 1700000000000 + (i % 500) * 1000, 'user' || (i % 7), 'bulk.test', 'object ' || i, \
         '{{\"n\":' || i || '}}', '=cmd' FROM n"
    );
    assert_eq!(support::execute(&t.db, &sql).await.unwrap(), ROWS as u64);
    let admin = signed_in(&s, ADMIN).await;
    for sort in ["", "&sort=user&dir=asc"] {
        let mut r = admin
            .get(format!(
                "{}/reports/audit.csv?action=bulk.test{sort}",
                s.base
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            r.headers().get(reqwest::header::CONTENT_LENGTH).is_none(),
            "streamed, not built whole"
        );
        let mut body = Vec::new();
        let mut chunks = 0;
        let mut largest = 0;
        while let Some(chunk) = r.chunk().await.unwrap() {
            chunks += 1;
            largest = largest.max(chunk.len());
            body.extend_from_slice(&chunk);
        }
        assert!(chunks > 1, "{chunks} chunk(s)");
        assert!(
            largest < body.len() / 4,
            "no chunk near the whole ({largest} of {} bytes)",
            body.len()
        );
        let mut reader = csv::Reader::from_reader(body.as_slice());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len() as i64, ROWS, "{sort}");
        let mut objects: Vec<&str> = rows.iter().map(|r| &r[4]).collect();
        assert!(rows.iter().all(|r| &r[7] == "'=cmd"), "the formula guard");
        if sort.is_empty() {
            let times: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
            assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
        } else {
            let users: Vec<&str> = rows.iter().map(|r| &r[2]).collect();
            assert!(users.windows(2).all(|w| w[0] <= w[1]), "by user");
        }
        objects.sort_unstable();
        objects.dedup();
        assert_eq!(objects.len() as i64, ROWS, "every row once across pages");
    }
}

on_both_backends!(
    ach_files_are_sealed_at_rest_private_on_disk_and_downloaded_audited,
    ach_files_stored_in_clear_by_an_older_version_are_read_then_sealed,
    the_outbox_is_private,
    uploads_leave_no_temporary_file_behind,
    stale_temporary_uploads_are_swept,
    a_large_audit_export_streams,
);
