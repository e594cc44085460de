//! Finding entries by name without scanning: template ids, kept choices,
//! answered ids, data keys. A sorted list rather than a hash map: its worst
//! case is O(n log n) whatever the names are (no crafted names can make it
//! quadratic), it needs no random seed (wasm has none), and it is small in
//! wasm. It sorts with a heapsort of its own: the standard sorts are faster on
//! large lists but bring about 3 KB into the module, and these lists are small.

/// Names and the positions they stand at in a list, sorted by name.
pub(crate) struct Index<'a> {
    sorted: Vec<(&'a str, usize)>,
}

impl<'a> Index<'a> {
    /// Indexes `names`: the n-th name stands at position n.
    pub(crate) fn new(names: impl Iterator<Item = &'a str>) -> Index<'a> {
        let mut sorted: Vec<(&str, usize)> = names.zip(0..).collect();
        heapsort(&mut sorted);
        Index { sorted }
    }

    /// The first position of `name`, if it is there.
    pub(crate) fn first(&self, name: &str) -> Option<usize> {
        let at = self.sorted.partition_point(|(n, _)| *n < name);
        self.sorted.get(at).filter(|(n, _)| *n == name).map(|(_, position)| *position)
    }

    /// The earliest position whose name stood before it, with that earlier
    /// position: `(first, repeat)`.
    pub(crate) fn first_repeat(&self) -> Option<(usize, usize)> {
        // Sorted by name then position: the first two entries of a run of one
        // name are its first place and its first repeat.
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
    fn the_first_repeat_in_list_order_names_its_first_place() {
        assert_eq!(Index::new(["a", "b", "c"].into_iter()).first_repeat(), None);
        assert_eq!(Index::new(["x", "b", "a", "b", "a", "x"].into_iter()).first_repeat(), Some((1, 3)));
        assert_eq!(Index::new(["a", "a", "a"].into_iter()).first_repeat(), Some((0, 1)));
    }
}
