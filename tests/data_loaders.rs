//! Every loader reads its fixture to the exact expected matrix; every malformed fixture is
//! rejected with the right file, line and reason, or skipped and counted on request.

use rustmf::data::load::{load, Format, IdKind, LfmLevel, LoadOptions, Loaded, TripletsSpec};
use rustmf::data::{DataError, Dataset, Duplicates};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/data").join(name)
}

fn quiet() -> LoadOptions {
    LoadOptions { progress: false, ..LoadOptions::default() }
}

fn skipping() -> LoadOptions {
    LoadOptions { skip_bad_lines: true, ..quiet() }
}

fn read(format: &Format, name: &str, options: &LoadOptions) -> Loaded {
    load(format, &fixture(name), options).unwrap_or_else(|e| panic!("{name}: {e}"))
}

type Entry = (String, String, f32, Option<i64>);

/// Entries in CSR order, with external ids.
fn entries(d: &Dataset) -> Vec<Entry> {
    let x = &d.interactions;
    let ptr = x.user_ptr();
    let mut out = Vec::new();
    for u in 0..x.n_users() {
        for e in ptr[u]..ptr[u + 1] {
            let i = x.csr.indices()[e] as usize;
            out.push((x.users.label(u), x.items.label(i), x.csr.data()[e], d.times.as_ref().map(|t| t[e])));
        }
    }
    out
}

fn e(u: &str, i: &str, v: f32, t: Option<i64>) -> Entry {
    (u.into(), i.into(), v, t)
}

/// The load fails with a parse error at `line` of fixture `name` whose reason contains `reason`.
fn rejects(format: &Format, name: &str, line: u64, reason: &str) {
    match load(format, &fixture(name), &quiet()) {
        Err(DataError::Parse { file, line: l, reason: r }) => {
            assert_eq!(file, fixture(name));
            assert_eq!(l, line, "{name}: {r}");
            assert!(r.contains(reason), "{name}: reason {r:?} lacks {reason:?}");
        }
        other => panic!("{name}: expected a parse error at line {line}, got {other:?}"),
    }
}

fn skipped_lines(l: &Loaded) -> Vec<u64> {
    l.report
        .first_skipped
        .iter()
        .map(|e| match e {
            DataError::Parse { line, .. } => *line,
            other => panic!("{other}"),
        })
        .collect()
}

#[test]
fn movielens_100k_tab_separated_last_rating_wins() {
    let l = read(&Format::MovieLens, "ml100k_u.data", &quiet());
    assert_eq!(
        entries(&l.dataset),
        vec![
            e("22", "377", 1.0, Some(878887116)),
            e("186", "302", 3.0, Some(891717742)),
            e("196", "242", 4.0, Some(881252000)),
            e("196", "302", 5.0, Some(881251000)),
        ]
    );
    assert_eq!((l.report.lines, l.report.entries, l.report.skipped), (5, 5, 0));
}

#[test]
fn movielens_1m_double_colon() {
    let l = read(&Format::MovieLens, "ml1m_ratings.dat", &quiet());
    assert_eq!(
        entries(&l.dataset),
        vec![
            e("1", "661", 3.0, Some(978302109)),
            e("1", "1193", 5.0, Some(978300760)),
            e("2", "1193", 4.0, Some(978298413)),
            e("10", "3408", 1.0, Some(978300275)),
        ]
    );
    assert_eq!(l.report.lines, 5);
}

#[test]
fn movielens_20m_csv_with_header() {
    let l = read(&Format::MovieLens, "ml20m_ratings.csv", &quiet());
    assert_eq!(
        entries(&l.dataset),
        vec![
            e("1", "2", 3.5, Some(1112486027)),
            e("1", "29", 0.5, Some(1112484676)),
            e("7", "2", 5.0, Some(1112484819))
        ]
    );
}

#[test]
fn movielens_malformed() {
    let ml = Format::MovieLens;
    rejects(&ml, "ml_bad_rating.dat", 3, "rating 6 outside 0.5..=5");
    rejects(&ml, "ml_bad_fields.csv", 3, "expected 4 MovieLens fields, found 3");
    rejects(&ml, "ml_bad_header.csv", 1, "not a MovieLens ratings file");
    assert!(matches!(load(&ml, &fixture("ml_empty.dat"), &quiet()), Err(DataError::Empty { .. })));

    let l = read(&ml, "ml_bad_fields.csv", &skipping());
    assert_eq!((l.report.skipped, l.dataset.interactions.nnz()), (2, 1));
    assert_eq!(skipped_lines(&l), vec![3, 4]);
    assert!(l.report.first_skipped[1].to_string().contains("rating NaN is not finite"));
    let l = read(&ml, "ml_bad_rating.dat", &skipping());
    assert_eq!((l.report.skipped, l.dataset.interactions.nnz()), (1, 3));
}

fn netflix_expected() -> Vec<Entry> {
    vec![
        e("822109", "1", 5.0, Some(1115942400)),
        e("1488844", "1", 3.0, Some(1125964800)),
        e("1488844", "2", 2.0, Some(1075593600)),
        e("2059652", "2", 4.0, Some(1125878400)),
    ]
}

#[test]
fn netflix_training_set_folder_and_combined_file() {
    let l = read(&Format::Netflix, "netflix", &quiet());
    assert_eq!(entries(&l.dataset), netflix_expected());
    assert_eq!(l.report.entries, 5);
    let l = read(&Format::Netflix, "netflix_combined_data_1.txt", &quiet());
    assert_eq!(entries(&l.dataset), netflix_expected());
}

#[test]
fn netflix_malformed() {
    rejects(&Format::Netflix, "netflix_bad_date.txt", 3, "date \"2005-13-13\" is not YYYY-MM-DD");
    rejects(&Format::Netflix, "netflix_no_movie.txt", 1, "rating line before any `MOVIEID:` line");
    rejects(&Format::Netflix, "netflix_half_star.txt", 3, "rating 2.5 is not an integer 1..=5");
    let l = read(&Format::Netflix, "netflix_no_movie.txt", &skipping());
    assert_eq!((l.report.skipped, l.dataset.interactions.nnz()), (1, 1));
}

#[test]
fn lfm1b_play_counts_per_track_and_per_artist() {
    let l = read(&Format::Lfm1b { level: LfmLevel::Track }, "lfm1b_LEs.txt", &quiet());
    assert_eq!(
        entries(&l.dataset),
        vec![
            e("31435741", "4", 2.0, Some(1385212958)),
            e("31435741", "7", 1.0, Some(1385213000)),
            e("31435741", "8", 1.0, Some(1385214000)),
            e("41504989", "12", 1.0, Some(1385100000)),
        ]
    );
    assert_eq!(l.report.entries, 5);
    let l = read(&Format::Lfm1b { level: LfmLevel::Artist }, "lfm1b_LEs.txt", &quiet());
    assert_eq!(
        entries(&l.dataset),
        vec![
            e("31435741", "2", 3.0, Some(1385213000)),
            e("31435741", "3", 1.0, Some(1385214000)),
            e("41504989", "9", 1.0, Some(1385100000)),
        ]
    );
}

#[test]
fn lfm1b_malformed() {
    let lfm = Format::Lfm1b { level: LfmLevel::Track };
    rejects(&lfm, "lfm1b_bad_fields.txt", 2, "expected 5 LFM-1b fields, found 4");
    rejects(&lfm, "lfm1b_overflow.txt", 2, "track id 4294967296 overflows u32");
    let mean = LoadOptions { duplicates: Some(Duplicates::Mean), ..quiet() };
    assert!(load(&lfm, &fixture("lfm1b_LEs.txt"), &mean).unwrap_err().to_string().contains("play counts (sum)"));
}

#[test]
fn yahoo_user_blocks() {
    let l = read(&Format::Yahoo, "yahoo_trainIdx1.txt", &quiet());
    let day = 86_400;
    assert_eq!(
        entries(&l.dataset),
        vec![
            e("0", "10", 90.0, Some(3000 * day + 43_200)),
            e("0", "20", 50.0, Some(3001 * day + 1)),
            e("0", "30", 0.0, Some(3001 * day + 86_399)),
            e("7", "10", 100.0, Some(3010 * day + 36_610)),
        ]
    );
}

#[test]
fn yahoo_malformed() {
    let y = Format::Yahoo;
    rejects(&y, "yahoo_short_group.txt", 4, "user 0 (header at line 1) announced 3 ratings but 2 follow");
    rejects(&y, "yahoo_bad_score.txt", 3, "score 101 outside 0..=100");
    rejects(&y, "yahoo_truncated.txt", 1, "announced 2 ratings but 1 follow before the end of the file");
    rejects(&y, "yahoo_no_header.txt", 1, "rating line before any `<user>|<count>` header");
    let l = read(&y, "yahoo_bad_score.txt", &skipping());
    assert_eq!((l.report.skipped, l.dataset.interactions.nnz()), (1, 1));
}

fn strings_spec() -> TripletsSpec {
    TripletsSpec { header: true, time_col: Some(3), ids: IdKind::String, ..TripletsSpec::default() }
}

#[test]
fn triplets_string_ids_with_duplicate_policies() {
    let f = Format::Triplets(strings_spec());
    let last = LoadOptions { duplicates: Some(Duplicates::Last), ..quiet() };
    let l = read(&f, "triplets_strings.csv", &last);
    assert_eq!(
        entries(&l.dataset),
        vec![
            e("alice", "heat", 2.0, Some(300)),
            e("alice", "matrix", 5.0, Some(400)),
            e("bob", "matrix", 3.0, Some(200))
        ]
    );
    let mean = LoadOptions { duplicates: Some(Duplicates::Mean), ..quiet() };
    assert_eq!(entries(&read(&f, "triplets_strings.csv", &mean).dataset)[1], e("alice", "matrix", 4.75, Some(400)));
    assert_eq!(entries(&read(&f, "triplets_strings.csv", &quiet()).dataset)[1], e("alice", "matrix", 9.5, Some(400)));
}

#[test]
fn triplets_whitespace_implicit_with_comments() {
    let spec = TripletsSpec { delimiter: None, value_col: None, comment: Some("#".into()), ..TripletsSpec::default() };
    let l = read(&Format::Triplets(spec), "triplets_implicit.txt", &quiet());
    assert_eq!(entries(&l.dataset), vec![e("5", "7", 2.0, None), e("5", "9", 1.0, None), e("6", "7", 1.0, None)]);
}

#[test]
fn triplets_malformed() {
    let f = Format::Triplets(TripletsSpec { header: true, ..TripletsSpec::default() });
    rejects(&f, "triplets_bad.csv", 3, "item id \"x\" is not a non-negative integer");
    let l = read(&f, "triplets_bad.csv", &skipping());
    assert_eq!((l.report.skipped, l.dataset.interactions.nnz()), (2, 2));
    assert_eq!(skipped_lines(&l), vec![3, 5]);
    assert!(l.report.first_skipped[1].to_string().contains("value \"\" is not a number"));
}

#[test]
fn matrix_market_real_and_pattern() {
    let l = read(&Format::MatrixMarket, "matrix.mtx", &quiet());
    let x = &l.dataset.interactions;
    assert_eq!((x.n_users(), x.n_items()), (3, 4));
    assert_eq!(
        entries(&l.dataset),
        vec![e("1", "1", 1.5, None), e("1", "3", 7.0, None), e("2", "2", 0.25, None), e("3", "4", -2.0, None)]
    );
    let l = read(&Format::MatrixMarket, "matrix_pattern.mtx", &quiet());
    assert_eq!(entries(&l.dataset), vec![e("1", "2", 1.0, None), e("2", "1", 1.0, None)]);
}

#[test]
fn matrix_market_malformed() {
    let m = Format::MatrixMarket;
    rejects(&m, "mtx_symmetric.mtx", 1, "symmetry \"symmetric\" is not supported");
    rejects(&m, "mtx_out_of_range.mtx", 4, "row index 4 outside 1..=3");
    rejects(&m, "mtx_short.mtx", 4, "the size line announces 3 entries, the file holds 2");
    rejects(&m, "mtx_too_big.mtx", 2, "5000000000 rows exceed u32 indices");
}

#[test]
fn missing_file_names_the_file() {
    let err = load(&Format::MovieLens, &fixture("nope.dat"), &quiet()).unwrap_err();
    assert!(matches!(&err, DataError::Io { file, .. } if file == &fixture("nope.dat")), "{err}");
}
