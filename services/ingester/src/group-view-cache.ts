// The consumer group's description, read at most once per maxAgeMs (describeGroups is a
// round trip to the group coordinator) and read again at once after this instance saw a
// rebalance. Concurrent requests share one read.
import type { GroupView } from '@mobilecs/platform';

export class GroupViewCache {
  private cached: { view: GroupView; at: number } | undefined;
  private reading: Promise<GroupView> | undefined;
  private generation = 0;

  constructor(
    private readonly describe: () => Promise<GroupView>,
    private readonly now: () => number = Date.now,
    private readonly maxAgeMs = 1000,
    /** A group seen rebalancing is read again sooner. */
    private readonly unsettledMaxAgeMs = 200,
  ) {}

  async get(): Promise<GroupView> {
    const c = this.cached;
    if (c && this.now() - c.at < (c.view.state === 'Stable' ? this.maxAgeMs : this.unsettledMaxAgeMs)) return c.view;
    if (this.reading) return this.reading;
    const generation = this.generation;
    const reading = (async () => {
      try {
        const view = await this.describe();
        // A rebalance seen while reading makes this view possibly stale: not kept.
        if (generation === this.generation) this.cached = { view, at: this.now() };
        return view;
      } finally {
        this.reading = undefined;
      }
    })();
    this.reading = reading;
    return reading;
  }

  /** This instance joined the group again (a rebalance): forget what was read. */
  invalidate(): void {
    this.generation++;
    this.cached = undefined;
    this.reading = undefined;
  }
}
