//! A fingerprint of an interaction matrix: the xxh3-64 of its shape, its CSR arrays and its id
//! maps, as 16 hex digits. Models record the fingerprints of their training and test data, so that
//! `eval` and `recommend` can tell whether a file is the one the model was trained or tested on.

use xxhash_rust::xxh3::Xxh3;

use super::pod::bytes;
use super::{IdMap, Interactions};

pub fn fingerprint(x: &Interactions) -> String {
    let mut h = Xxh3::new();
    h.update(bytes(&[x.n_users() as u64, x.n_items() as u64, x.nnz() as u64]));
    h.update(bytes(x.user_ptr()));
    h.update(bytes(x.csr.indices()));
    h.update(bytes(x.csr.data()));
    for map in [&x.users, &x.items] {
        match map {
            IdMap::Identity => h.update(b"identity"),
            IdMap::Integer(ids) => {
                h.update(b"integer");
                h.update(bytes(ids));
            }
            IdMap::String(ids) => {
                h.update(b"string");
                for s in ids {
                    h.update(bytes(&[s.len() as u64]));
                    h.update(s.as_bytes());
                }
            }
        }
    }
    format!("{:016x}", h.digest())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_tell_values_and_ids_apart() {
        let a = Interactions::from_entries(2, 2, &[(0, 1, 1.0), (1, 0, 2.0)], Default::default()).unwrap();
        let mut b = a.clone();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        b.csr.data_mut()[0] = 3.0;
        assert_ne!(fingerprint(&a), fingerprint(&b));
        let mut c = a.clone();
        c.users = IdMap::Integer(vec![5, 7]);
        assert_ne!(fingerprint(&a), fingerprint(&c));
    }
}
