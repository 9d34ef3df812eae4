/**
 * Files waiting to be imported, in arrival order, each at most once. A file that changes
 * while it waits needs nothing more (it will be read as it is then); one that changes
 * while it is being imported is queued again once that import ends, so no change is
 * lost. Pure: no I/O.
 */
export class WorkQueue {
  private readonly waiting: string[] = [];
  private readonly queued = new Set<string>();
  private current: string | undefined;
  private changedWhileCurrent = false;

  /** A file arrived or changed. */
  offer(path: string): void {
    if (path === this.current) {
      this.changedWhileCurrent = true;
      return;
    }
    if (this.queued.has(path)) return;
    this.queued.add(path);
    this.waiting.push(path);
  }

  /** The file being imported, or else the next one (which then becomes current). */
  next(): string | undefined {
    if (this.current !== undefined) return this.current;
    const path = this.waiting.shift();
    if (path === undefined) return undefined;
    this.queued.delete(path);
    this.current = path;
    this.changedWhileCurrent = false;
    return path;
  }

  /** The current file is done; queued again (at the end) if it changed meanwhile, which is returned. */
  done(): boolean {
    const path = this.current;
    const again = path !== undefined && this.changedWhileCurrent;
    this.current = undefined;
    this.changedWhileCurrent = false;
    if (again) this.offer(path);
    return again;
  }

  /** Files waiting, the current one included. */
  get length(): number {
    return this.waiting.length + (this.current === undefined ? 0 : 1);
  }
}
