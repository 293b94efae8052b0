//! Embedded PTX images and the choice among them. The images come from the root crate's build
//! script; this module only decides which one suits a device, so it needs no GPU and no CUDA.

/// PTX for one GPU architecture: `arch` is the compute capability times ten (80 = sm_80),
/// `target` the PTX target it was built for ("sm_80", or "sm_90a": an arch-specific target, which
/// only devices of exactly that capability run); the text is stored deflate-compressed (the
/// unrolled kernels are megabytes of PTX).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PtxImage {
    pub arch: u32,
    pub target: &'static str,
    pub deflated: &'static [u8],
}

impl PtxImage {
    /// Whether the image uses arch-specific features (target `sm_XYa`).
    pub fn arch_specific(&self) -> bool {
        self.target.ends_with('a')
    }

    /// The PTX text.
    pub fn text(&self) -> String {
        let bytes = miniz_oxide::inflate::decompress_to_vec(self.deflated)
            .unwrap_or_else(|e| panic!("the embedded {} PTX is corrupt: {e:?}", self.target));
        String::from_utf8(bytes).unwrap_or_else(|_| panic!("the embedded {} PTX is not UTF-8", self.target))
    }
}

/// The newest image a device of compute capability `major.minor` can run: PTX for sm_XY is JIT-
/// compiled by the driver for any device of capability ≥ X.Y (for sm_XYa, of exactly X.Y), so
/// newer images use more of the hardware and older ones are the fallback.
pub fn best_for(images: &[PtxImage], major: u32, minor: u32) -> Option<&PtxImage> {
    let cc = major * 10 + minor;
    images.iter().filter(|i| i.arch <= cc && (!i.arch_specific() || i.arch == cc)).max_by_key(|i| i.arch)
}

/// Names of the kernels (`.entry` functions) in a PTX text, in order of appearance.
pub fn entry_names(ptx: &str) -> Vec<String> {
    ptx.lines()
        .filter_map(|l| l.trim_start().strip_prefix(".visible .entry "))
        .map(|rest| rest.split(['(', ' ']).next().unwrap_or(rest).to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const IMAGES: [PtxImage; 2] =
        [PtxImage { arch: 80, target: "sm_80", deflated: b"" }, PtxImage { arch: 90, target: "sm_90", deflated: b"" }];
    const SPECIFIC: [PtxImage; 2] =
        [PtxImage { arch: 80, target: "sm_80", deflated: b"" }, PtxImage { arch: 90, target: "sm_90a", deflated: b"" }];

    #[test]
    fn picks_the_newest_image_the_device_can_run() {
        assert_eq!(best_for(&IMAGES, 9, 0).unwrap().arch, 90);
        assert_eq!(best_for(&IMAGES, 12, 0).unwrap().arch, 90);
        assert_eq!(best_for(&SPECIFIC, 9, 0).unwrap().target, "sm_90a");
        assert_eq!(best_for(&SPECIFIC, 10, 0).unwrap().target, "sm_80");
        assert_eq!(best_for(&SPECIFIC, 8, 9).unwrap().target, "sm_80");
        assert_eq!(best_for(&IMAGES, 8, 9).unwrap().arch, 80);
        assert_eq!(best_for(&IMAGES, 8, 0).unwrap().arch, 80);
        assert!(best_for(&IMAGES, 7, 5).is_none());
        assert!(best_for(&[], 9, 0).is_none());
    }

    #[test]
    fn inflates_the_text() {
        let deflated: &'static [u8] =
            Box::leak(miniz_oxide::deflate::compress_to_vec(b".version 7.8\n", 6).into_boxed_slice());
        assert_eq!(PtxImage { arch: 90, target: "sm_90", deflated }.text(), ".version 7.8\n");
    }

    #[test]
    fn lists_entry_points() {
        let ptx =
            ".version 7.8\n.visible .entry foo(\n\t.param .u32 x\n)\n{\n}\n.visible .entry bar_2(\n)\n.func baz(\n";
        assert_eq!(entry_names(ptx), ["foo", "bar_2"]);
    }
}
