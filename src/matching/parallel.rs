//! Spreading independent work over the machine's cores, results kept in input order so that output is
//! the same whatever the number of cores.

/// Below this many items, threads cost more than they save.
const MIN_ITEMS_FOR_THREADS: usize = 2_048;

pub(crate) fn map_in_order<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_on(items, cores(), MIN_ITEMS_FOR_THREADS, f)
}

/// [`map_in_order`] for heavy items (whole files, flights' lists) worked on while another thread
/// stores an import: the next files' parsing, the identity screen of the files being stored. It
/// leaves that thread a core of its own, because the store is the import's critical path; with every
/// core in use here too, three or more busy threads shared two cores, and the store waited its turn.
pub(crate) fn map_in_order_beside_store<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    map_on(items, cores().saturating_sub(1), 2, f)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn map_on<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    min_items: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
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
        let halved = map_on(&items, 3, 2, |x| x / 2);
        assert_eq!(halved, items.iter().map(|x| x / 2).collect::<Vec<_>>());
    }
}
