// Creating many objects in a real API server for the benchmarks: `width` requests in flight.

export async function pooled<T>(items: readonly T[], width: number, act: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await act(items[next++]!);
    }),
  );
}
