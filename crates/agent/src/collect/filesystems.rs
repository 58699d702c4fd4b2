//! Every mounted real filesystem: size, free space and inodes (/proc/self/mounts + statvfs).

use cloudctl_wire::{Filesystem, Sample};

use super::{Collector, Context, host};
use crate::Result;
use crate::procfs::read_into;

/// Pseudo and read-only image filesystems that hold no user data (node_exporter skips the same).
const SKIP_TYPES: &[&str] = &[
    "autofs",
    "binfmt_misc",
    "bpf",
    "cgroup",
    "cgroup2",
    "configfs",
    "debugfs",
    "devpts",
    "devtmpfs",
    "fusectl",
    "hugetlbfs",
    "iso9660",
    "mqueue",
    "nsfs",
    "overlay",
    "proc",
    "procfs",
    "pstore",
    "rpc_pipefs",
    "securityfs",
    "selinuxfs",
    "squashfs",
    "sysfs",
    "tracefs",
    "ramfs",
    "efivarfs",
    "fuse.lxcfs",
    "nfsd",
];

/// Mount points under which only the kernel or a container engine's layers live.
const SKIP_PREFIXES: &[&str] = &[
    "/dev/",
    "/proc/",
    "/sys/",
    "/run/credentials/",
    "/var/lib/docker/",
    "/var/lib/containers/storage/",
    "/run/containers/storage/",
    "/run/netns/",
];

/// Mounted filesystems.
#[derive(Default)]
pub struct Filesystems;

impl Collector for Filesystems {
    fn name(&self) -> &'static str {
        "filesystems"
    }

    fn collect(&mut self, ctx: &mut Context, sample: &mut Sample) -> Result<()> {
        read_into("/proc/self/mounts", &mut ctx.buf)?;
        let list = &mut host(sample).filesystems;
        list.clear();
        for (device, mount, fs_type) in mounts(&ctx.buf) {
            let mount = unescape(mount);
            if skipped(&mount, fs_type) {
                continue;
            }
            // A folder mounted twice (bind mounts, a remount) is reported once, as the last mount.
            list.retain(|f: &Filesystem| f.mount_point != mount);
            let Ok(st) = rustix::fs::statvfs(mount.as_str()) else {
                continue;
            };
            let unit = if st.f_frsize > 0 {
                st.f_frsize
            } else {
                st.f_bsize
            };
            list.push(Filesystem {
                device: unescape(device),
                fs_type: fs_type.to_owned(),
                size_bytes: st.f_blocks * unit,
                free_bytes: st.f_bfree * unit,
                avail_bytes: st.f_bavail * unit,
                inodes_total: st.f_files,
                inodes_free: st.f_ffree,
                mount_point: mount,
            });
        }
        Ok(())
    }
}

fn mounts(text: &str) -> impl Iterator<Item = (&str, &str, &str)> {
    text.lines().filter_map(|line| {
        let mut f = line.split_ascii_whitespace();
        Some((f.next()?, f.next()?, f.next()?))
    })
}

fn skipped(mount: &str, fs_type: &str) -> bool {
    SKIP_TYPES.contains(&fs_type)
        || matches!(mount, "/dev" | "/proc" | "/sys")
        || SKIP_PREFIXES
            .iter()
            .any(|p| mount.starts_with(p) || mount == p.trim_end_matches('/'))
}

/// /proc/self/mounts writes space, tab, newline and backslash as octal escapes (`\040`).
pub(crate) fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_owned();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && i + 3 < bytes.len()
            && bytes[i + 1..i + 4]
                .iter()
                .all(|b| (b'0'..=b'7').contains(b))
        {
            let v = (bytes[i + 1] - b'0') * 64 + (bytes[i + 2] - b'0') * 8 + (bytes[i + 3] - b'0');
            out.push(v);
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_octal() {
        assert_eq!(unescape("/mnt/my\\040disk"), "/mnt/my disk");
        assert_eq!(unescape("/plain"), "/plain");
        assert_eq!(unescape("/odd\\04"), "/odd\\04");
    }

    #[test]
    fn skips_pseudo_filesystems() {
        assert!(skipped("/proc", "proc"));
        assert!(skipped("/sys/fs/cgroup", "cgroup2"));
        assert!(skipped("/var/lib/containers/storage/overlay", "xfs"));
        assert!(skipped("/run/netns", "ext4"));
        assert!(!skipped("/", "ext4"));
        assert!(!skipped("/run", "tmpfs"));
    }
}
