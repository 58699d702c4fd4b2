//! `site`: the dashboard as a static site (GitHub Pages, any web server, a folder), with a
//! `metrics.json` snapshot of the plan: every service, host, capacity and cost, no measurements.
//!
//! The dashboard finds no hub API beside a static copy, so it reads `metrics.json` and shows
//! itself offline and read-only. `cloudctl export snapshot --out DIR/site` replaces that file with
//! a hub's live snapshot (from cron, for a fresh page). The web build is embedded from `web/build`
//! (committed, so no Node is needed to build cloudctl); only its text files are part of it.

use include_dir::{Dir, include_dir};
use serde_json::json;

use super::{Context, Target};
use crate::manifest::Manifest;
use crate::{Error, RenderedFile, Result};

/// The dashboard's static build.
static WEB: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../web/build");

/// The snapshot format version the dashboard reads (kept equal to `cloudctl export snapshot`'s).
pub const SNAPSHOT_VERSION: u32 = 1;

/// The static dashboard.
pub struct Site;

fn collect(dir: &Dir<'static>, files: &mut Vec<RenderedFile>) -> Result<()> {
    for file in dir.files() {
        let path = file.path().to_string_lossy().replace('\\', "/");
        let text = file.contents_utf8().ok_or_else(|| Error::Templates {
            path: format!("web/build/{path}"),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the site target carries text files only; keep binary assets out of web/static",
            ),
        })?;
        files.push(RenderedFile::new(format!("site/{path}"), text));
    }
    for sub in dir.dirs() {
        collect(sub, files)?;
    }
    Ok(())
}

/// The plan-only snapshot: what the spec says, with no time (the output stays byte-stable).
pub fn plan_snapshot(context: &Context<'_>) -> Result<String> {
    let snapshot = json!({
        "snapshot_version": SNAPSHOT_VERSION,
        "generated_at_ms": null,
        "generator": format!("cloudctl {}", env!("CARGO_PKG_VERSION")),
        "source": "spec",
        "manifest": Manifest::new(context.spec),
        "plan": context.plan,
        "hosts": [],
        "containers": [],
        "sockets": [],
        "probes": null,
        "alerts": null,
        "history": null,
        "charts": {},
    });
    let mut text = serde_json::to_string(&snapshot)?;
    text.push('\n');
    Ok(text)
}

impl Target for Site {
    fn name(&self) -> &'static str {
        "site"
    }

    fn describe(&self) -> &'static str {
        "the dashboard as a static site (GitHub Pages) with a plan-only metrics.json"
    }

    fn render(&self, context: &Context<'_>) -> Result<Vec<RenderedFile>> {
        let mut files = Vec::new();
        collect(&WEB, &mut files)?;
        files.push(RenderedFile::new(
            "site/metrics.json",
            plan_snapshot(context)?,
        ));
        // GitHub Pages runs Jekyll unless told not to, and Jekyll drops `_app/`.
        files.push(RenderedFile::new("site/.nojekyll", ""));
        Ok(files)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_site_has_the_app_and_a_plan_snapshot_of_every_service() {
        let spec = cloudctl_spec::default_spec().expect("the default spec loads");
        let files = crate::render(&spec, &["site".to_owned()], None).expect("renders");
        let get = |p: &str| files.iter().find(|f| f.path == p);
        let index = get("site/index.html").expect("index.html");
        assert!(index.contents.contains("./_app/immutable/"));
        assert!(get("site/.nojekyll").is_some());
        assert!(
            files
                .iter()
                .any(|f| f.path.starts_with("site/_app/immutable/") && f.path.ends_with(".js"))
        );
        let snapshot: serde_json::Value =
            serde_json::from_str(&get("site/metrics.json").expect("metrics.json").contents)
                .unwrap();
        assert_eq!(snapshot["snapshot_version"], 1);
        assert_eq!(snapshot["source"], "spec");
        assert!(snapshot["generated_at_ms"].is_null());
        let services = snapshot["manifest"]["resolved"]["services"]
            .as_array()
            .unwrap();
        assert_eq!(services.len(), spec.services.len());
        assert!(snapshot["plan"]["cost"]["total_monthly"].is_number());
        // Byte-stable: the same spec renders the same bytes.
        let again = crate::render(&spec, &["site".to_owned()], None).unwrap();
        assert_eq!(files, again);
    }
}
