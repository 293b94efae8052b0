//! Checks that a written figure is what it claims to be: an SVG file is well-formed XML with an
//! `<svg>` root, a PNG file decodes. `experiment report` runs them on every figure it writes.

use std::path::Path;

use anyhow::{Context, Result};

/// Checks `path` by its extension (`.svg` or `.png`); returns a short description.
pub fn check_figure(path: &Path) -> Result<String> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("svg") => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            let elements = check_svg(&text).with_context(|| format!("{} is not well-formed SVG", path.display()))?;
            Ok(format!("SVG, {elements} elements"))
        }
        Some("png") => {
            let (w, h) = check_png(path).with_context(|| format!("{} does not decode as PNG", path.display()))?;
            Ok(format!("PNG, {w}×{h}"))
        }
        _ => anyhow::bail!("{}: not an .svg or .png file", path.display()),
    }
}

/// Decodes a PNG file fully; returns its size.
pub fn check_png(path: &Path) -> Result<(u32, u32)> {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path)?));
    let mut reader = decoder.read_info()?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf)?;
    anyhow::ensure!(info.width > 0 && info.height > 0, "empty image");
    Ok((info.width, info.height))
}

/// Well-formedness of XML as far as SVG files use it: one root element `svg`, every start tag
/// closed in order, attributes quoted, comments, processing instructions and CDATA skipped.
/// Returns the number of elements.
pub fn check_svg(text: &str) -> Result<usize> {
    let mut stack: Vec<&str> = Vec::new();
    let (mut elements, mut roots, mut rest) = (0usize, 0usize, text);
    let line = |at: &str| text[..text.len() - at.len()].matches('\n').count() + 1;
    while let Some(open) = rest.find('<') {
        anyhow::ensure!(
            !stack.is_empty() || rest[..open].trim().is_empty(),
            "line {}: text outside the root element",
            line(rest)
        );
        rest = &rest[open..];
        let skip = [("<?", "?>"), ("<!--", "-->"), ("<![CDATA[", "]]>"), ("<!DOCTYPE", ">")]
            .iter()
            .find(|(start, _)| rest.starts_with(start));
        if let Some((_, end)) = skip {
            let close = rest.find(end).with_context(|| format!("line {}: unterminated {}", line(rest), &rest[..2]))?;
            rest = &rest[close + end.len()..];
            continue;
        }
        let close = tag_end(rest).with_context(|| format!("line {}: unterminated tag", line(rest)))?;
        let tag = &rest[1..close];
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim();
            let top = stack.pop().with_context(|| format!("line {}: </{name}> closes nothing", line(rest)))?;
            anyhow::ensure!(top == name, "line {}: </{name}> closes <{top}>", line(rest));
        } else {
            let self_closing = tag.ends_with('/');
            let name = tag.trim_end_matches('/').split_whitespace().next().unwrap_or("");
            anyhow::ensure!(
                !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || "-_:.".contains(c)),
                "line {}: bad tag name {name:?}",
                line(rest)
            );
            if stack.is_empty() {
                roots += 1;
                anyhow::ensure!(roots == 1, "line {}: a second root element <{name}>", line(rest));
                anyhow::ensure!(name == "svg", "the root element is <{name}>, not <svg>");
            }
            elements += 1;
            if !self_closing {
                stack.push(name);
            }
        }
        rest = &rest[close + 1..];
    }
    anyhow::ensure!(stack.is_empty(), "unclosed <{}>", stack.join(">, <"));
    anyhow::ensure!(roots == 1, "no <svg> element");
    anyhow::ensure!(rest.trim().is_empty(), "text after the root element");
    Ok(elements)
}

/// The index of the `>` that ends the tag at the start of `s` (quoted attribute values skipped).
fn tag_end(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '>') => return Some(i),
            (None, '<') if i > 0 => return None,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::check_svg;

    #[test]
    fn well_formed_svg_passes_and_broken_svg_fails() {
        let ok = "<?xml version=\"1.0\"?>\n<svg a=\"x>y\"><g><rect/></g><!-- c --><text>1 &lt; 2</text></svg>\n";
        assert_eq!(check_svg(ok).unwrap(), 4);
        assert!(check_svg("<svg><g></svg>").is_err());
        assert!(check_svg("<svg></svg><svg></svg>").is_err());
        assert!(check_svg("<html></html>").is_err());
        assert!(check_svg("<svg><g>").is_err());
        assert!(check_svg("<svg><rect a=\"1\"").is_err());
    }
}
