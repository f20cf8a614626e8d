//! TLS: verification is always on; a CA bundle (django-storages' `verify`)
//! lets s3sync trust a server with its own CA. Tested against moto serving
//! HTTPS with a certificate from a CA this test creates.

use std::net::TcpStream;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};

use crate::support::{ACCESS_KEY, SECRET_KEY, Sandbox, repo_root};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn openssl(sb: &Sandbox, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(sb.dir.path())
        .output()
        .expect("openssl runs (apt-get install openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA and a certificate for 127.0.0.1 signed by it.
fn make_certificates(sb: &Sandbox) {
    openssl(
        sb,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=s3sync test CA",
        ],
    );
    openssl(
        sb,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    sb.write(
        "ext.cnf",
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    );
    openssl(
        sb,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ],
    );
}

fn start_tls_moto(sb: &Sandbox) -> (Server, String) {
    let moto = repo_root().join(".venv/bin/moto_server");
    assert!(
        moto.exists(),
        "{} is missing: run scripts/test.sh, which installs moto",
        moto.display()
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(moto)
        .args([
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-c",
            "server.pem",
            "-k",
            "server.key",
        ])
        .current_dir(sb.dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "moto did not start on TLS"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, format!("https://127.0.0.1:{port}"))
}

#[tokio::test]
async fn tls_is_verified_and_a_ca_bundle_is_trusted() {
    let sb = Sandbox::with_assets();
    make_certificates(&sb);
    let (_server, endpoint) = start_tls_moto(&sb);
    // Create the bucket with a client that trusts the test CA.
    let http = {
        use aws_smithy_http_client::tls;
        let context = tls::TlsContext::builder()
            .with_trust_store(tls::TrustStore::empty().with_pem_certificate(sb.read("ca.pem")))
            .build()
            .unwrap();
        aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::AwsLc,
            ))
            .tls_context(context)
            .build_https()
    };
    let client = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::new()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&endpoint)
            .force_path_style(true)
            .http_client(http)
            .credentials_provider(Credentials::new(
                ACCESS_KEY, SECRET_KEY, None, None, "tests",
            ))
            .build(),
    );
    client
        .create_bucket()
        .bucket("tls-bucket")
        .send()
        .await
        .unwrap();

    let config = |verify: &str| {
        format!(
            "source = \"site\"\n[storage]\nbucket_name = \"tls-bucket\"\nlocation = \"static\"\nendpoint_url = \"{endpoint}\"\naddressing_style = \"path\"\n{verify}\n[sync]\nattempts = 1\n"
        )
    };
    sb.config(&config(""));
    let untrusted = sb.run(&["push"]);
    untrusted.expect(2);
    assert!(
        untrusted.stderr.contains("is not trusted"),
        "{}",
        untrusted.stderr
    );
    assert!(
        untrusted.stderr.contains("verify = \"path/to/ca.pem\""),
        "{}",
        untrusted.stderr
    );

    sb.config(&config("verify = \"ca.pem\""));
    sb.run(&["push"]).expect(0);
    sb.run(&["diff", "--exit-code"]).expect(0);
    // AWS_CA_BUNDLE works too.
    sb.config(&config(""));
    let ca = sb.path("ca.pem");
    sb.run_env(
        &["diff", "--exit-code"],
        &[("AWS_CA_BUNDLE", ca.to_str().unwrap())],
    )
    .expect(0);

    sb.config(&config("verify = false"));
    let refused = sb.run(&["push"]);
    refused.expect(2);
    assert!(
        refused
            .stderr
            .contains("s3sync always verifies TLS certificates"),
        "{}",
        refused.stderr
    );
}
