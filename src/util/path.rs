//! Path normalisation: the one lexical normaliser and the one forward-slash rendering, so that
//! plans, keys, manifests and messages spell a path the same way on every platform.

use std::path::{Component, Path, PathBuf};

/// Lexically normalises a path: drops `.`, folds `name/..`; keeps leading `..`. Never touches
/// the file system (the path need not exist).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) | Some(Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    let mut p = PathBuf::new();
    for c in out {
        p.push(c.as_os_str());
    }
    p
}

/// The path with `/` between its components (`.` for an empty path).
pub fn slash(path: &Path) -> String {
    let mut out = String::new();
    for c in path.components() {
        match c {
            Component::Prefix(p) => out.push_str(&p.as_os_str().to_string_lossy()),
            Component::RootDir => out.push('/'),
            other => {
                if !out.is_empty() && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(&other.as_os_str().to_string_lossy());
            }
        }
    }
    if out.is_empty() { ".".into() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_dots_and_keeps_leading_parents() {
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(
            normalize(Path::new("../x/../../y")),
            PathBuf::from("../../y")
        );
        assert_eq!(normalize(Path::new("a/..")), PathBuf::new());
    }

    #[test]
    fn slash_joins_components_with_forward_slashes() {
        assert_eq!(slash(Path::new("a/b//c")), "a/b/c");
        assert_eq!(slash(Path::new("../data")), "../data");
        assert_eq!(slash(Path::new("/abs/path")), "/abs/path");
        assert_eq!(slash(Path::new("./x")), "./x");
        assert_eq!(slash(Path::new("")), ".");
    }
}
