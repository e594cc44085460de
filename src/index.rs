//! Finding entries by name without scanning: template ids, kept choices,
//! answered ids, data keys. Names go into buckets by a hash (FNV-1a), as many
//! buckets as names, and each bucket is sorted: linear time for any names but
//! crafted ones, and for those (names made to share a bucket) O(n log n) at
//! worst, never quadratic. No random seed is needed (wasm has none). Buckets
//! are sorted with a heapsort of its own: the standard sorts bring about 3 KB
//! into the module, and a bucket holds a name or two.

/// Names and the positions they stand at in a list: grouped by bucket, and
/// sorted by name and position within one.
pub(crate) struct Index<'a> {
    sorted: Vec<(&'a str, usize)>,
    /// Where each bucket starts in `sorted`, and where the last one ends.
    starts: Vec<usize>,
}

/// The bucket of `name` among `buckets` (a power of two).
fn bucket(name: &str, buckets: usize) -> usize {
    let hash = name.bytes().fold(0x811c_9dc5_u32, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193));
    hash as usize & (buckets - 1)
}

impl<'a> Index<'a> {
    /// Indexes `names`: the n-th name stands at position n.
    pub(crate) fn new(names: impl Iterator<Item = &'a str>) -> Index<'a> {
        Self::of(names.zip(0..).collect())
    }

    /// One copy of the work for every kind of list (`new` is generic).
    #[inline(never)]
    fn of(names: Vec<(&'a str, usize)>) -> Index<'a> {
        let buckets = names.len().next_power_of_two();
        let of: Vec<usize> = names.iter().map(|(name, _)| bucket(name, buckets)).collect();
        // A counting sort by bucket, then each bucket sorted.
        let mut starts = vec![0; buckets + 1];
        for &b in &of {
            starts[b + 1] += 1;
        }
        for b in 0..buckets {
            starts[b + 1] += starts[b];
        }
        let mut next = starts.clone();
        let mut sorted = vec![("", 0); names.len()];
        for (&b, entry) in of.iter().zip(names) {
            sorted[next[b]] = entry;
            next[b] += 1;
        }
        for b in 0..buckets {
            heapsort(&mut sorted[starts[b]..starts[b + 1]]);
        }
        Index { sorted, starts }
    }

    /// The first position of `name`, if it is there.
    pub(crate) fn first(&self, name: &str) -> Option<usize> {
        let b = bucket(name, self.starts.len() - 1);
        let run = &self.sorted[self.starts[b]..self.starts[b + 1]];
        let at = run.partition_point(|(n, _)| *n < name);
        run.get(at).filter(|(n, _)| *n == name).map(|(_, position)| *position)
    }

    /// The earliest position whose name stood before it, with that earlier
    /// position: `(first, repeat)`.
    pub(crate) fn first_repeat(&self) -> Option<(usize, usize)> {
        // Equal names share a bucket, sorted by name then position: the first
        // two entries of a run of one name are its first place and its first repeat.
        (1..self.sorted.len())
            .filter(|&i| self.sorted[i].0 == self.sorted[i - 1].0 && (i < 2 || self.sorted[i - 2].0 != self.sorted[i].0))
            .map(|i| (self.sorted[i - 1].1, self.sorted[i].1))
            .min_by_key(|&(_, repeat)| repeat)
    }
}

/// Sorts in place, in O(n log n) comparisons at worst, with no extra memory.
pub(crate) fn heapsort<T: Ord>(items: &mut [T]) {
    fn sift_down<T: Ord>(items: &mut [T], mut root: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= items.len() {
                return;
            }
            if child + 1 < items.len() && items[child] < items[child + 1] {
                child += 1;
            }
            if items[root] >= items[child] {
                return;
            }
            items.swap(root, child);
            root = child;
        }
    }
    for root in (0..items.len() / 2).rev() {
        sift_down(items, root);
    }
    for end in (1..items.len()).rev() {
        items.swap(0, end);
        sift_down(&mut items[..end], 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heapsort_sorts_like_the_standard_sort() {
        let mut seed = 7u64;
        for n in [0, 1, 2, 3, 10, 257] {
            let mut items: Vec<u64> = (0..n)
                .map(|_| {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    (seed >> 59) % 7
                })
                .collect();
            let mut expected = items.clone();
            expected.sort();
            heapsort(&mut items);
            assert_eq!(items, expected, "{n}");
        }
    }

    #[test]
    fn finds_first_positions() {
        let index = Index::new(["b", "a", "c", "a"].into_iter());
        assert_eq!(index.first("a"), Some(1));
        assert_eq!(index.first("c"), Some(2));
        assert_eq!(index.first("z"), None);
        assert_eq!(index.first(""), None);
    }

    #[test]
    fn finds_every_name_of_a_large_list_and_names_sharing_a_bucket() {
        let names: Vec<String> = (0..3000).map(|i| format!("id{}", i % 2500)).collect();
        let index = Index::new(names.iter().map(String::as_str));
        for (i, name) in names.iter().enumerate() {
            assert_eq!(index.first(name), Some(i % 2500), "{name}");
        }
        assert_eq!(index.first("id2500"), None);
        assert_eq!(index.first_repeat(), Some((0, 2500)));
        // Names that share a bucket (here all of them: one bucket) are found the same way.
        let mut sorted = vec![("d", 0), ("b", 1), ("b", 2), ("a", 3)];
        heapsort(&mut sorted);
        let crowded = Index { sorted, starts: vec![0, 4] };
        assert_eq!((crowded.first("b"), crowded.first("a"), crowded.first("c")), (Some(1), Some(3), None));
        assert_eq!(crowded.first_repeat(), Some((1, 2)));
    }

    #[test]
    fn the_first_repeat_in_list_order_names_its_first_place() {
        assert_eq!(Index::new(["a", "b", "c"].into_iter()).first_repeat(), None);
        assert_eq!(Index::new(["x", "b", "a", "b", "a", "x"].into_iter()).first_repeat(), Some((1, 3)));
        assert_eq!(Index::new(["a", "a", "a"].into_iter()).first_repeat(), Some((0, 1)));
    }
}
