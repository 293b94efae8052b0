//! Moving interactions into another dataset's dense indices by their external ids: a test file
//! converted on its own has its own id maps, and must be read in the model's.

use super::assemble::{Duplicates, Triplets};
use super::{DataError, Dataset, IdMap, Interactions};

/// `x` in the index space of `n_users` users and `n_items` items with the external ids `users` and
/// `items`, and the number of entries dropped because their user or item is not there. When the
/// maps and shape are `x`'s own, `x` is returned unchanged.
pub fn remap(
    x: Interactions,
    (users, n_users): (&IdMap, usize),
    (items, n_items): (&IdMap, usize),
) -> Result<(Interactions, usize), DataError> {
    if &x.users == users && &x.items == items && x.n_users() == n_users && x.n_items() == n_items {
        return Ok((x, 0));
    }
    let user_index = translation(&x.users, x.n_users(), users, n_users);
    let item_index = translation(&x.items, x.n_items(), items, n_items);
    let mut t = Triplets { n_users, n_items, users: vec![], items: vec![], values: vec![], times: None };
    let mut dropped = 0;
    for (u, &new_user) in user_index.iter().enumerate() {
        let range = x.csr.indptr().outer_inds_sz(u);
        for (&i, &v) in x.csr.indices()[range.clone()].iter().zip(&x.csr.data()[range]) {
            match (new_user, item_index[i as usize]) {
                (Some(nu), Some(ni)) => {
                    t.users.push(nu);
                    t.items.push(ni);
                    t.values.push(v);
                }
                _ => dropped += 1,
            }
        }
    }
    let d = Dataset::from_triplets(&t, Duplicates::Last, users.clone(), items.clone())?;
    Ok((d.interactions, dropped))
}

/// For each dense index of `from` (n of them), its index among the `to_n` of `to`, if the external
/// id is there.
fn translation(from: &IdMap, n: usize, to: &IdMap, to_n: usize) -> Vec<Option<u32>> {
    (0..n).map(|i| to.index_of(&from.label(i)).filter(|&j| j < to_n).map(|j| j as u32)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_follow_their_external_ids() {
        let mut x = Interactions::from_entries(2, 2, &[(0, 0, 1.0), (1, 1, 2.0)], Default::default()).unwrap();
        x.users = IdMap::String(vec!["bob".into(), "zoe".into()]);
        x.items = IdMap::Integer(vec![10, 30]);
        let users = IdMap::String(vec!["amy".into(), "bob".into()]);
        let items = IdMap::Integer(vec![10, 20, 30]);
        let (y, dropped) = remap(x, (&users, 2), (&items, 3)).unwrap();
        assert_eq!(dropped, 1, "zoe is not in the target map");
        assert_eq!((y.n_users(), y.n_items(), y.nnz()), (2, 3, 1));
        assert_eq!(y.csr.indptr().to_proper().as_ref(), &[0, 0, 1]);
        assert_eq!(y.csr.indices(), &[0]);
    }
}
