//! Spreading independent work over the machine's cores, results kept in input order so that output is
//! the same whatever the number of cores.

/// Below this many items, threads cost more than they save.
const MIN_ITEMS_FOR_THREADS: usize = 2_048;

pub(crate) fn map_in_order<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_in_order_from(items, MIN_ITEMS_FOR_THREADS, f)
}

/// [`map_in_order`] for items heavy enough to share out from `min_items` on (whole files, say).
pub(crate) fn map_in_order_from<T: Sync, R: Send>(
    items: &[T],
    min_items: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || items.len() < min_items.max(2) {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_input_order() {
        let items: Vec<u64> = (0..10_000).collect();
        let doubled = map_in_order(&items, |x| x * 2);
        assert_eq!(doubled, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert_eq!(map_in_order(&[1, 2, 3], |x| x + 1), vec![2, 3, 4]);
    }
}
