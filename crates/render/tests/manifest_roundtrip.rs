//! Property: spec → manifest.json → spec loses nothing, and the spec's own JSON loads back through
//! the spec loader to the same spec.

use std::net::{IpAddr, Ipv4Addr};

use cloudctl_render::Manifest;
use cloudctl_spec::units::{Bandwidth, BandwidthPeriod, HumanDuration, Price, PricePeriod, Size};
use cloudctl_spec::{
    AuthPolicy, Availability, Capacity, Component, ComponentKind, CostItem, Hardening, Host,
    Lifecycle, Protocol, Publish, Resources, Role, SecretRef, Service, SourceFile, Spec, Tier,
    Volume, Wake,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

fn id() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_-]{0,10}"
}

fn text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9 ,.:()/'é–🖥️-]{0,24}"
}

fn size() -> impl Strategy<Value = Size> {
    prop_oneof![
        (0u64..1u64 << 44).prop_map(Size),
        (0u64..4096).prop_map(|mb| Size(mb * 1_000_000))
    ]
}

fn bandwidth() -> impl Strategy<Value = Bandwidth> {
    (
        size(),
        prop_oneof![Just(BandwidthPeriod::Day), Just(BandwidthPeriod::Month)],
    )
        .prop_map(|(amount, period)| Bandwidth { amount, period })
}

fn price() -> impl Strategy<Value = Price> {
    (
        0u32..100_000,
        prop_oneof![
            Just(PricePeriod::Hour),
            Just(PricePeriod::Month),
            Just(PricePeriod::Year)
        ],
    )
        .prop_map(|(mills, period)| Price {
            amount: f64::from(mills) / 1000.0,
            period,
        })
}

fn availability() -> impl Strategy<Value = Availability> {
    prop_oneof![
        Just(Availability::AlwaysOn),
        Just(Availability::OnDemand),
        Just(Availability::PayPerUse)
    ]
}

fn host() -> impl Strategy<Value = Host> {
    (
        (
            option::of(text()),
            id(),
            option::of(any::<[u8; 4]>()),
            option::of(any::<[u8; 4]>()),
        ),
        (
            (0u32..6400).prop_map(|c| f64::from(c) / 100.0),
            size(),
            size(),
            bandwidth(),
            option::of(size()),
        ),
        (
            prop_oneof![Just(Tier::Free), Just(Tier::Paid)],
            availability(),
            price(),
        ),
        (option::of((0u32..240).prop_map(|h| Wake {
            expected_hours_per_day: f64::from(h) / 10.0,
            idle_shutdown: Some(HumanDuration::from_secs(1800)),
        }))),
        vec(
            prop_oneof![
                Just(Role::Proxy),
                Just(Role::Auth),
                Just(Role::Mail),
                Just(Role::Apps)
            ],
            0..3,
        ),
    )
        .prop_map(
            |(
                (title, provider, public, private),
                (vcpu, ram, storage, bandwidth, vram),
                (tier, availability, price),
                wake,
                roles,
            )| Host {
                title,
                provider,
                machine_type: None,
                region: None,
                public_ip: public.map(|o| IpAddr::V4(Ipv4Addr::from(o))),
                private_ip: private.map(|o| IpAddr::V4(Ipv4Addr::from(o))),
                capacity: Capacity {
                    vcpu,
                    ram,
                    storage,
                    bandwidth,
                    vram,
                },
                tier,
                availability,
                price,
                wake,
                roles,
                ssh: None,
                arch: None,
                os: None,
                notes: None,
            },
        )
}

fn component() -> impl Strategy<Value = Component> {
    (
        (
            prop_oneof![
                Just(ComponentKind::App),
                Just(ComponentKind::Db),
                Just(ComponentKind::Front),
                Just(ComponentKind::DbObj)
            ],
            text(),
            option::of("[a-z]{1,8}:[0-9]{1,2}"),
            option::of(id()),
            option::of(1u16..),
        ),
        (
            any::<bool>(),
            vec((1u16.., text()), 0..2),
            vec((id(), "/[a-z]{1,8}", any::<bool>()), 0..2),
        ),
        (
            option::of(size()),
            option::of((0u32..400).prop_map(|c| f64::from(c) / 100.0)),
            option::of(size()),
            option::of(bandwidth()),
        ),
        (
            option::of((
                option::of(any::<bool>()),
                option::of("[0-9]{1,4}:[0-9]{1,4}"),
                vec("[A-Z_]{3,10}", 0..2),
                option::of(text()),
            )),
            vec(("[A-Z_]{2,8}", "[a-z0-9 ]{0,8}"), 0..2),
            vec(("[A-Z_]{2,8}", id()), 0..2),
        ),
    )
        .prop_map(
            |(
                (kind, stack, image, container, port),
                (websocket, publish, volumes),
                (ram, cpu, storage, bw),
                (hardening, env, secrets),
            )| Component {
                kind,
                description: None,
                stack,
                image,
                container,
                port,
                protocol: Protocol::Tcp,
                websocket,
                publish: publish
                    .into_iter()
                    .map(|(port, reason)| Publish {
                        port,
                        target: None,
                        protocol: Protocol::Udp,
                        reason,
                    })
                    .collect(),
                volumes: volumes
                    .into_iter()
                    .map(|(source, target, read_only)| Volume {
                        source,
                        target,
                        read_only,
                    })
                    .collect(),
                resources: Resources {
                    ram,
                    cpu,
                    storage,
                    bandwidth: bw,
                    vram: None,
                },
                hardening: hardening.map(|(read_only, user, cap_add, reason)| Hardening {
                    read_only,
                    user,
                    cap_add,
                    tmpfs: Vec::new(),
                    reason,
                }),
                env: env.into_iter().collect(),
                secrets: secrets.into_iter().collect(),
                depends_on: Vec::new(),
                healthcheck: None,
            },
        )
}

fn service() -> impl Strategy<Value = Service> {
    (
        (
            text(),
            text(),
            option::of("[a-z]{1,6}"),
            option::of("https://[a-z]{1,6}\\.example\\.com(/[a-z]{1,5})?"),
            option::of(id()),
        ),
        (
            prop_oneof![
                Just(Lifecycle::On),
                Just(Lifecycle::Dev),
                Just(Lifecycle::Planned)
            ],
            availability(),
            option::of(prop_oneof![
                Just(AuthPolicy::TwoFactor),
                Just(AuthPolicy::Bypass),
                Just(AuthPolicy::BuiltIn)
            ]),
            option::of(text()),
        ),
        vec((id(), component()), 0..4),
    )
        .prop_map(
            |(
                (title, description, icon, url, host),
                (status, availability, auth, auth_reason),
                components,
            )| Service {
                title,
                description,
                icon,
                category: "main/tools".into(),
                parent: None,
                url,
                host,
                external: None,
                status,
                availability,
                auth,
                auth_reason,
                bypass_paths: Vec::new(),
                entry: None,
                demand: None,
                components: components.into_iter().collect(),
                notes: None,
            },
        )
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        vec((id(), host()), 0..4),
        vec((id(), service()), 0..6),
        vec(
            (
                id(),
                (
                    text(),
                    id(),
                    price(),
                    option::of((0u32..1000).prop_map(f64::from)),
                ),
            ),
            0..3,
        ),
        vec(
            (
                id(),
                prop_oneof![
                    "[A-Z_]{2,12}".prop_map(|e| SecretRef {
                        env: Some(e),
                        file: None,
                        description: None
                    }),
                    "/run/[a-z]{1,8}".prop_map(|f| SecretRef {
                        env: None,
                        file: Some(f),
                        description: Some("a file".into())
                    })
                ],
            ),
            0..3,
        ),
        (0u32..9000).prop_map(|h| f64::from(h) / 100.0),
    )
        .prop_map(|(hosts, services, costs, secrets, headroom)| {
            let mut spec = Spec::default();
            spec.project.name = "Generated".into();
            spec.hosts = hosts.into_iter().collect();
            spec.services = services.into_iter().collect();
            spec.costs = costs
                .into_iter()
                .map(|(id, (title, provider, price, hours))| {
                    (
                        id,
                        CostItem {
                            title,
                            provider,
                            price,
                            hours_per_month: hours,
                            status: Lifecycle::On,
                            notes: None,
                        },
                    )
                })
                .collect();
            spec.secrets = secrets.into_iter().collect();
            spec.planning.headroom_percent = headroom;
            spec
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn spec_to_manifest_to_spec_loses_nothing(spec in spec()) {
        let json = Manifest::new(&spec).to_json().unwrap();
        let back = Manifest::from_json(&json).unwrap();
        prop_assert_eq!(back.spec, spec);
    }

    #[test]
    fn the_spec_json_loads_back_through_the_loader(spec in spec()) {
        let json = serde_json::to_string_pretty(&spec).unwrap();
        let loaded = cloudctl_spec::load::load(&[SourceFile::new("spec.json", json)]);
        prop_assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        prop_assert_eq!(loaded.spec, spec);
    }
}
