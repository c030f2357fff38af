/**
 * What jsdom lacks and the console's libraries need: ResizeObserver (virtua
 * measures its viewport and rows with it) and Element.scrollTo (virtua
 * scrolls the timeline to its newest row). jsdom lays nothing out, so the
 * stand-in reports a 600 px scrolling viewport and 40 px rows; virtua then
 * renders the rows that fit, as in the real window.
 */
type Callback = (entries: unknown[], observer: unknown) => void;

class FixedLayoutResizeObserver {
  readonly #callback: Callback;

  constructor(callback: Callback) {
    this.#callback = callback;
  }

  observe(target: HTMLElement): void {
    const height = target.style.overflowY === 'auto' ? 600 : 40;
    const size = { inlineSize: 320, blockSize: height };
    queueMicrotask(() =>
      this.#callback([{ target, contentRect: { width: 320, height }, borderBoxSize: [size], contentBoxSize: [size] }], this),
    );
  }

  unobserve(): void {}
  disconnect(): void {}
}

if (!('ResizeObserver' in globalThis)) {
  (globalThis as { ResizeObserver?: unknown }).ResizeObserver = FixedLayoutResizeObserver;
}

if (typeof Element.prototype.scrollTo !== 'function') {
  Element.prototype.scrollTo = function scrollTo(this: Element, x?: ScrollToOptions | number, y?: number): void {
    const top = typeof x === 'object' ? x.top : y;
    if (top !== undefined) this.scrollTop = top;
  };
}
