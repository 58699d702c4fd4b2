//! What we know about well-known images: a health check when the image has none of its own, and the
//! scratch paths it writes to, so it can run with a read-only root filesystem.

/// Knowledge about one image family.
pub struct Known {
    /// Health check command (exec form).
    pub healthcheck: Option<&'static [&'static str]>,
    /// Paths it writes to besides its volumes.
    pub tmpfs: &'static [&'static str],
}

/// Image families, matched on the image name before the tag.
const IMAGES: &[(&str, Known)] = &[
    (
        "redis",
        Known {
            healthcheck: Some(&["CMD", "redis-cli", "ping"]),
            tmpfs: &[],
        },
    ),
    (
        "postgres",
        Known {
            healthcheck: Some(&["CMD", "pg_isready", "-U", "postgres"]),
            tmpfs: &["/var/run/postgresql"],
        },
    ),
    (
        "pgvector/pgvector",
        Known {
            healthcheck: Some(&["CMD", "pg_isready", "-U", "postgres"]),
            tmpfs: &["/var/run/postgresql"],
        },
    ),
    (
        "mariadb",
        Known {
            healthcheck: Some(&["CMD", "healthcheck.sh", "--connect", "--innodb_initialized"]),
            tmpfs: &["/run/mysqld"],
        },
    ),
];

/// What we know about `image`, if anything.
pub fn known(image: &str) -> Option<&'static Known> {
    let name = image.split([':', '@']).next().unwrap_or(image);
    let name = name.strip_prefix("docker.io/").unwrap_or(name);
    let name = name.strip_prefix("library/").unwrap_or(name);
    IMAGES
        .iter()
        .find(|(family, _)| *family == name)
        .map(|(_, known)| known)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_matched_by_name_not_tag() {
        assert!(known("redis:7-alpine").is_some());
        assert!(known("docker.io/library/postgres:16").is_some());
        assert!(known("pgvector/pgvector:pg16").is_some());
        assert!(known("ghcr.io/mailu/nginx:2024.06").is_none());
        assert!(known("redisinsight:1").is_none());
    }
}
