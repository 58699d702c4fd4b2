//! Every host's rendered `ufw.sh`, run for real (twice) against UFW and iptables inside a mount and
//! network namespace of its own: private copies of /etc/ufw, /lib/ufw and /etc/default/ufw, so the
//! machine's own firewall and configuration are never touched. The resulting rules are read back
//! (`ufw status verbose`, `iptables -S`, `ip6tables -S`) and connections are tried from a second
//! namespace holding an admin's address and a stranger's. Tools: scripts/deps/render.sh.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{assert_ok, deploy_files, run, write};

/// Sets up the namespace and runs the script; each part of the output follows a `=== name` line.
const RUNNER: &str = r#"
set -euo pipefail
work=$1
script=$2
for dir in /etc/ufw /lib/ufw; do
    mkdir -p "$work$dir"
    cp -a "$dir/." "$work$dir/"
    mount --bind "$work$dir" "$dir"
done
cp /etc/default/ufw "$work/default-ufw"
mount --bind "$work/default-ufw" /etc/default/ufw
mount -t tmpfs cloudctl-test-run /run
ip link set lo up
# The outside world: one link to a namespace that holds an admin's addresses and a stranger's.
ip netns add outside
ip link add v-vm type veth peer name v-out netns outside
ip addr add 192.0.2.10/24 dev v-vm
ip -6 addr add 2001:db8::10/64 dev v-vm nodad
ip link set v-vm up
ip netns exec outside sh -e -c '
    ip addr add 192.0.2.7/24 dev v-out
    ip addr add 192.0.2.8/24 dev v-out
    ip -6 addr add 2001:db8::7/64 dev v-out nodad
    ip -6 addr add 2001:db8::8/64 dev v-out nodad
    ip link set v-out up
    ip link set lo up'
echo "=== script"
bash "$script" 2>&1
echo "=== again"
bash "$script" >/dev/null 2>&1 && echo "ran twice"
echo "=== status"
ufw status verbose
echo "=== iptables"
iptables -S
echo "=== ip6tables"
ip6tables -S
echo "=== docker-user"
iptables -S DOCKER-USER
/usr/bin/python3 "$work/listen.py" 22 80 443 8080 >"$work/listening" &
listener=$!
for _ in $(seq 50); do grep -q ready "$work/listening" && break; sleep 0.1; done
echo "=== probes"
ip netns exec outside /usr/bin/python3 "$work/probe.py" \
    192.0.2.7,192.0.2.10,22 192.0.2.8,192.0.2.10,22 \
    2001:db8::7,2001:db8::10,22 2001:db8::8,2001:db8::10,22 \
    192.0.2.8,192.0.2.10,80 192.0.2.8,192.0.2.10,443 192.0.2.8,192.0.2.10,8080
kill "$listener"
"#;

/// Accepts (and closes) connections on every port given, on IPv4 and IPv6.
const LISTEN: &str = r#"
import socket, sys, threading
def serve(server):
    while True:
        server.accept()[0].close()
for port in sys.argv[1:]:
    server = socket.create_server(("", int(port)), family=socket.AF_INET6, dualstack_ipv6=True)
    threading.Thread(target=serve, args=(server,), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
"#;

/// Tries each `source,destination,port` (all at once, printed in order): `open` when the
/// connection is accepted, `blocked` when nothing answers within a second (UFW drops, never rejects).
const PROBE: &str = r#"
import socket, sys
from concurrent.futures import ThreadPoolExecutor
def probe(item):
    source, destination, port = item.split(",")
    family = socket.AF_INET6 if ":" in destination else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(1)
        s.bind((source, 0))
        try:
            s.connect((destination, int(port)))
            return f"{source} {port} open"
        except (socket.timeout, ConnectionRefusedError):
            return f"{source} {port} blocked"
with ThreadPoolExecutor(len(sys.argv) - 1) as pool:
    for line in pool.map(probe, sys.argv[1:]):
        print(line, flush=True)
"#;

/// The part of `output` after `=== name`, up to the next part.
fn part<'a>(output: &'a str, name: &str) -> &'a str {
    let start = output
        .find(&format!("=== {name}\n"))
        .unwrap_or_else(|| panic!("no `{name}` part in:\n{output}"))
        + name.len()
        + 5;
    let rest = &output[start..];
    &rest[..rest.find("\n=== ").map_or(rest.len(), |end| end + 1)]
}

/// Runs `script` twice in a fresh mount and network namespace; returns everything it printed.
fn run_isolated(script: &Path) -> String {
    let work = tempfile::tempdir().expect("temp dir");
    std::fs::write(work.path().join("listen.py"), LISTEN).expect("listener");
    std::fs::write(work.path().join("probe.py"), PROBE).expect("probe");
    let output = run(
        "unshare",
        &[
            "--mount",
            "--net",
            "--fork",
            "bash",
            "-c",
            RUNNER,
            "runner",
            work.path().to_str().expect("utf-8"),
            script.to_str().expect("utf-8"),
        ],
        None,
    );
    assert_ok(&output, &format!("{} in a namespace", script.display()));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What the machine's own firewall looks like, to show the test left it alone.
fn machine_firewall() -> String {
    let mut seen = String::new();
    for file in [
        "/etc/ufw/ufw.conf",
        "/etc/ufw/user.rules",
        "/etc/default/ufw",
    ] {
        seen.push_str(&std::fs::read_to_string(file).unwrap_or_default());
    }
    let rules = run("iptables", &["-S"], None);
    assert_ok(&rules, "iptables -S on the machine");
    seen.push_str(&String::from_utf8_lossy(&rules.stdout));
    seen
}

#[test]
#[ignore = "needs ufw, iptables, iproute2 and python3; installed by scripts/deps/render.sh"]
fn every_ufw_script_really_configures_ufw_and_lets_in_only_what_the_policy_allows() {
    let infra = common::infra_copy();
    common::edit(
        infra.path(),
        "security.yaml",
        "  admin_sources: []",
        "  admin_sources: [192.0.2.7/32, \"2001:db8::7/128\"]",
    );
    let spec = common::load(infra.path());
    let proxy = cloudctl_render::targets::deploy::proxy_host(&spec)
        .map(|(id, _)| id.clone())
        .expect("the default spec has a proxy host");
    let out = tempfile::tempdir().expect("temp dir");
    write(&deploy_files(&spec), out.path());
    let before = machine_firewall();

    for host in spec.hosts.keys() {
        let script = out.path().join(format!("{host}/firewall/ufw.sh"));
        let text = std::fs::read_to_string(&script).expect("ufw.sh");
        let output = run_isolated(&script);
        let context = format!("{host}:\n{output}");
        let is_proxy = host == &proxy;

        assert!(!part(&output, "script").contains("ERROR"), "{context}");
        assert_eq!(part(&output, "again"), "ran twice\n", "{context}");
        let status = part(&output, "status");
        assert!(status.starts_with("Status: active\n"), "{context}");
        assert!(
            status.contains("Default: deny (incoming), allow (outgoing), disabled (routed)"),
            "{context}"
        );

        let v4 = part(&output, "iptables");
        let v6 = part(&output, "ip6tables");
        assert!(v4.starts_with("-P INPUT DROP\n"), "{context}");
        assert!(v6.starts_with("-P INPUT DROP\n"), "{context}");
        // SSH only from the admin sources, on both families.
        let ssh4: Vec<&str> = v4.lines().filter(|l| l.contains("--dport 22 ")).collect();
        assert_eq!(
            ssh4,
            ["-A ufw-user-input -s 192.0.2.7/32 -p tcp -m tcp --dport 22 -j ACCEPT"],
            "{context}"
        );
        let ssh6: Vec<&str> = v6.lines().filter(|l| l.contains("--dport 22 ")).collect();
        assert_eq!(
            ssh6,
            ["-A ufw6-user-input -s 2001:db8::7/128 -p tcp -m tcp --dport 22 -j ACCEPT"],
            "{context}"
        );
        assert!(
            v4.contains("-A ufw-user-input -p udp -m udp --dport 51820 -j ACCEPT\n"),
            "{context}"
        );
        assert!(
            v4.contains("-A ufw-user-input -i wg0 -j ACCEPT\n"),
            "{context}"
        );
        for port in [80, 443] {
            let rule = format!("-A ufw-user-input -p tcp -m tcp --dport {port} -j ACCEPT\n");
            assert_eq!(v4.contains(&rule), is_proxy, "port {port}: {context}");
        }

        // DOCKER-USER holds exactly the rules the script wrote, once each after two runs.
        let written: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("-A DOCKER-USER "))
            .collect();
        let loaded: Vec<&str> = part(&output, "docker-user")
            .lines()
            .filter(|l| l.starts_with("-A "))
            .collect();
        assert_eq!(loaded, written, "{context}");
        assert_eq!(
            loaded.last(),
            Some(&"-A DOCKER-USER -m conntrack --ctstate NEW -j DROP"),
            "{context}"
        );
        let published: BTreeSet<&str> = loaded
            .iter()
            .filter_map(|l| l.split("--ctorigdstport ").nth(1))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        if is_proxy {
            assert_eq!(published, BTreeSet::from(["443", "80"]), "{context}");
        }

        // And the packets agree.
        let http = if is_proxy { "open" } else { "blocked" };
        assert_eq!(
            part(&output, "probes"),
            format!(
                "192.0.2.7 22 open\n192.0.2.8 22 blocked\n2001:db8::7 22 open\n\
                 2001:db8::8 22 blocked\n192.0.2.8 80 {http}\n192.0.2.8 443 {http}\n\
                 192.0.2.8 8080 blocked\n"
            ),
            "{context}"
        );
    }
    assert_eq!(
        machine_firewall(),
        before,
        "the machine's own firewall changed"
    );
}
