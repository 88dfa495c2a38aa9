//! `deploy/` checked for real: promtool accepts the Prometheus config and the
//! alert rules and their unit tests pass, amtool accepts the Alertmanager
//! config, and every metric an alert or a dashboard panel uses is one the
//! services export (read off `/metrics` after a paid request and a proof).
//!
//! promtool and amtool come from Debian's `prometheus` and
//! `prometheus-alertmanager` (scripts/install-test-deps.sh); without them these
//! checks say loudly that they were skipped, unless X402ZK_REQUIRE_PROMTOOL=1.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    process::Command,
};
use x402_zk_cli::stack::{Running, Stack};
use x402_zk_client::{Buyer, Wallet};
use x402_zk_prover_service::{PoolOptions, ProverState};

fn deploy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy")
}

/// Runs `tool args…`; `None` when the tool is missing and not required.
fn run(tool: &str, args: &[&str]) -> Option<String> {
    match Command::new(tool).args(args).current_dir(deploy()).output() {
        Ok(out) => {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(out.status.success(), "{tool} {args:?} failed:\n{text}");
            Some(text)
        }
        Err(e) if std::env::var_os("X402ZK_REQUIRE_PROMTOOL").is_some() => {
            panic!("{tool} is required (X402ZK_REQUIRE_PROMTOOL=1) but cannot run: {e}; run scripts/install-test-deps.sh as root")
        }
        Err(_) => {
            eprintln!("SKIPPED: {tool} is not installed (scripts/install-test-deps.sh installs it as root)");
            None
        }
    }
}

#[test]
fn promtool_accepts_the_config_and_rules_and_every_alert_fires_in_its_tests() {
    let Some(out) = run(
        "promtool",
        &["check", "config", "prometheus/prometheus.yml"],
    ) else {
        return;
    };
    assert!(out.contains("SUCCESS"), "{out}");
    let out = run("promtool", &["check", "rules", "prometheus/alerts.yml"]).unwrap();
    assert!(out.contains("SUCCESS"), "{out}");
    run("promtool", &["test", "rules", "prometheus/alerts.test.yml"]).unwrap();
    // Every alert has a unit test that names it.
    let rules = std::fs::read_to_string(deploy().join("prometheus/alerts.yml")).unwrap();
    let tests = std::fs::read_to_string(deploy().join("prometheus/alerts.test.yml")).unwrap();
    let alerts: Vec<&str> = rules
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- alert:"))
        .map(str::trim)
        .collect();
    assert!(alerts.len() >= 5, "alerts: {alerts:?}");
    for alert in alerts {
        assert!(
            tests.contains(&format!("alertname: {alert}")),
            "{alert} has no unit test"
        );
    }
}

#[test]
fn amtool_accepts_the_alertmanager_config() {
    if let Some(out) = run("amtool", &["check-config", "alertmanager/alertmanager.yml"]) {
        assert!(out.contains("SUCCESS"), "{out}");
    }
}

/// PromQL expressions of the alert rules (`expr:` values, block scalars included).
fn rule_expressions(yaml: &str) -> Vec<String> {
    let lines: Vec<&str> = yaml.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(rest) = line.trim_start().strip_prefix("expr:") else {
            continue;
        };
        let rest = rest.trim();
        if rest.starts_with('|') || rest.starts_with('>') {
            let indent = line.len() - line.trim_start().len();
            let block: Vec<&str> = lines[i + 1..]
                .iter()
                .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
                .copied()
                .collect();
            out.push(block.join("\n"));
        } else {
            out.push(rest.trim_matches(['"', '\'']).to_string());
        }
    }
    out
}

/// Every `"expr"` string in a Grafana dashboard.
fn dashboard_expressions(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("expr", serde_json::Value::String(e)) => out.push(e.clone()),
                    _ => dashboard_expressions(v, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| dashboard_expressions(v, out)),
        _ => {}
    }
}

/// Removes every `open … close` group (nesting-aware), keeping the rest.
fn strip(s: &str, open: char, close: char) -> String {
    let mut depth = 0usize;
    s.chars()
        .filter(|&c| {
            if c == open {
                depth += 1;
            } else if c == close && depth > 0 {
                depth -= 1;
                return false;
            }
            depth == 0
        })
        .collect()
}

/// The metric names a PromQL expression reads: identifiers left after removing
/// label matchers, ranges and grouping lists, that are neither a function
/// call, an aggregation nor a keyword.
fn metric_names(expr: &str) -> BTreeSet<String> {
    const KEYWORDS: [&str; 5] = ["and", "or", "unless", "bool", "offset"];
    const GROUPING: [&str; 6] = [
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
    ];
    const AGGREGATIONS: [&str; 12] = [
        "sum",
        "avg",
        "min",
        "max",
        "count",
        "stddev",
        "stdvar",
        "topk",
        "bottomk",
        "quantile",
        "count_values",
        "group",
    ];
    let chars: Vec<char> = strip(&strip(expr, '{', '}'), '[', ']').chars().collect();
    let next_non_space = |from: usize| (from..chars.len()).find(|&k| !chars[k].is_whitespace());
    let mut names = BTreeSet::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() || c == '.' {
            // Numbers, including 1e3 and 0.95.
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
        } else if c.is_ascii_alphabetic() || c == '_' || c == ':' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let next = next_non_space(i);
            if GROUPING.contains(&word.as_str()) {
                // `by (a, b)`: the list names labels; skip it.
                if let Some(k) = next.filter(|&k| chars[k] == '(') {
                    i = (k..chars.len())
                        .find(|&m| chars[m] == ')')
                        .map_or(chars.len(), |m| m + 1);
                }
            } else if !KEYWORDS.contains(&word.as_str())
                && !AGGREGATIONS.contains(&word.as_str())
                && next.is_none_or(|k| chars[k] != '(')
            {
                names.insert(word);
            }
        } else {
            i += 1;
        }
    }
    names
}

#[test]
fn the_promql_reader_finds_metrics_and_nothing_else() {
    let names = metric_names(
        r#"histogram_quantile(0.95, sum by (le, service) (rate(http_request_duration_seconds_bucket{service=~"$service"}[$__rate_interval]))) / on(instance) group_left proof_queue_capacity > 1e3 and up == 0"#,
    );
    let expected: BTreeSet<String> = [
        "http_request_duration_seconds_bucket",
        "proof_queue_capacity",
        "up",
    ]
    .map(String::from)
    .into();
    assert_eq!(names, expected);
}

/// Metric names in a Prometheus text exposition, with the series a histogram
/// or summary implies.
fn exported(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split_whitespace();
            let (Some(name), Some(kind)) = (parts.next(), parts.next()) else {
                continue;
            };
            names.insert(name.to_string());
            if kind == "histogram" || kind == "summary" {
                for suffix in ["_bucket", "_sum", "_count"] {
                    names.insert(format!("{name}{suffix}"));
                }
            }
        }
    }
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_metric_an_alert_or_panel_uses_is_exported() {
    // The services, one paid request through all of them, and one proof.
    let dir = tempfile::tempdir().unwrap();
    let keys = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-keys");
    let stack = Stack::start(dir.path(), &keys).await.unwrap();
    let buyer = Buyer::new(
        Wallet::open(dir.path().join("wallet")).unwrap(),
        stack.proving_key.clone(),
        Some(stack.buyer_keypair()),
    );
    let paid = buyer
        .get(&format!("{}/weather", stack.seller.url()))
        .await
        .unwrap();
    assert!(paid.status.is_success());
    let pk = stack.proving_key.clone();
    let state =
        tokio::task::spawn_blocking(move || ProverState::prepared(&pk, PoolOptions::default()))
            .await
            .unwrap()
            .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let prover = Running::start(
        x402_zk_prover_service::app(state, &x402_zk_service::Limits::default()),
        listener,
    )
    .unwrap();
    let garbage = reqwest::Client::new()
        .post(format!("{}/v1/proofs", prover.url()))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 400);
    // The receipt the buyer bought, proved by the service for another request.
    let bought = buyer.wallet().receipts().unwrap().remove(0);
    let req = x402_zk_protocol::proving::ProofRequest {
        receipt: bought.receipt,
        payer_secret: bought.payer_secret.clone(),
        policy: x402_zk_protocol::proving::SellerPolicy {
            network: x402_zk_cli::stack::NETWORK.into(),
            asset: stack.mint.to_string(),
            pay_to: stack.seller_pay_to.to_string(),
            min_amount: x402_zk_cli::stack::PRICE,
            not_before: 0,
            issuer: stack.issuer_key,
            resource: "http://127.0.0.1/any".into(),
            challenge: "any".into(),
        },
    };
    let proved = reqwest::Client::new()
        .post(format!("{}/v1/proofs", prover.url()))
        .json(&req)
        .send()
        .await
        .unwrap();
    assert_eq!(proved.status(), 200);

    // One registry per process: any service's /metrics shows them all.
    let text = reqwest::get(format!("{}/metrics", prover.url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let exported = exported(&text);

    let mut expressions =
        rule_expressions(&std::fs::read_to_string(deploy().join("prometheus/alerts.yml")).unwrap());
    let rules = expressions.len();
    let dashboard: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(deploy().join("grafana/dashboards/x402-zk.json")).unwrap(),
    )
    .unwrap();
    dashboard_expressions(&dashboard, &mut expressions);
    assert!(
        rules >= 5 && expressions.len() > rules + 10,
        "{} rule and {} panel expressions",
        rules,
        expressions.len() - rules
    );
    let mut missing = BTreeSet::new();
    let mut used = BTreeSet::new();
    for e in &expressions {
        for name in metric_names(e) {
            // `up` is Prometheus' own, per scrape target.
            if name != "up" && !exported.contains(&name) {
                missing.insert(format!("{name} (in `{}`)", e.trim()));
            }
            used.insert(name);
        }
    }
    assert!(
        missing.is_empty(),
        "used but not exported:\n{}",
        missing.into_iter().collect::<Vec<_>>().join("\n")
    );
    for core in [
        "proof_generation_duration_seconds_bucket",
        "http_requests_total",
        "verify_duration_seconds_bucket",
        "store_errors_total",
        "proof_queue_depth",
    ] {
        assert!(used.contains(core), "no alert or panel watches {core}");
    }
    prover.stop().await;
    stack.stop().await;
}
