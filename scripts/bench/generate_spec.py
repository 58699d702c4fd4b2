"""Writes a valid cloudctl spec of N hosts and M services (three components each) into a folder."""
import os
import sys

out, hosts, services = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "base.yaml"), "w") as f:
    f.write("""domains:
  example.com: {dns: cf}
providers:
  cf: {kind: cloudflare, title: Cloudflare, cost_model: free}
  cloud: {kind: other, title: Cloud, cost_model: pay-per-use}
categories:
  main:
    title: Main
    groups:
""" + "".join(f"      g{g}: {{title: Group {g}}}\n" for g in range(10)) + """access:
  portal: https://auth.example.com
security:
  admin_sources: [192.0.2.0/24]
costs:
  domain: {title: Domain, provider: cf, price: $10/yr}
""")
with open(os.path.join(out, "hosts.yaml"), "w") as f:
    f.write("hosts:\n")
    for h in range(hosts):
        f.write(f"""  vm{h}:
    provider: cloud
    public_ip: 198.51.{h // 250}.{h % 250 + 1}
    private_ip: 10.9.{h // 250}.{h % 250 + 1}
    capacity: {{vcpu: 8, ram: 32GB, storage: 500GB, bandwidth: 10TB/mo}}
    tier: paid
    availability: always-on
    price: $0.05/h
    roles: [{"proxy" if h == 0 else "apps"}]
""")
with open(os.path.join(out, "gateway.yaml"), "w") as f:
    f.write("""services:
  gateway:
    title: Auth gateway
    category: main/g0
    url: https://auth.example.com
    host: vm0
    status: on
    availability: always-on
    auth: built_in
    auth_reason: the login portal itself
    components:
      gateway-app:
        kind: app
        stack: Authelia
        image: authelia/authelia:4.39
        port: 9091
        resources: {ram: 128MB, cpu: 0.1, storage: 100MB}
""")
per_file = 100
for start in range(0, services, per_file):
    with open(os.path.join(out, f"services-{start // per_file:03}.yaml"), "w") as f:
        f.write("services:\n")
        for s in range(start, min(services, start + per_file)):
            host, slot = s % hosts, s // hosts
            f.write(f"""  svc{s}:
    title: Service {s}
    description: Generated service number {s}
    icon: "📦"
    category: main/g{s % 10}
    url: https://svc{s}.example.com
    host: vm{host}
    status: on
    availability: always-on
    auth: two_factor
    components:
      svc{s}-front: {{kind: front, stack: SvelteKit 5 + SCSS}}
      svc{s}-app:
        kind: app
        stack: App
        image: example/app:1.{s}
        port: {3000 + slot}
        volumes: ["svc{s}-data:/data"]
        resources: {{ram: 256MB, cpu: 0.2, storage: 5GB, bandwidth: 20GB/mo}}
      svc{s}-db:
        kind: db
        stack: SQL:PostgreSQL
        image: postgres:16
        port: 5432
        volumes: ["svc{s}-db:/var/lib/postgresql/data"]
        resources: {{ram: 128MB, cpu: 0.1, storage: 5GB}}
""")
