/**
 * Counters and histograms whose series are plain objects a caller keeps: recording is
 * `cell.value += n`, with no label hashing or validation per call. prom-client's own children
 * (`counter.labels(...)`) hash and validate the labels on every `inc`, which costs more than the
 * rest of the log hook. A family still registers in a prom-client Registry, which formats it and
 * hands it to the primary's AggregatorRegistry like any prom-client metric (same JSON shape:
 * `{name, help, type, aggregator, values: [{value, labels, metricName?}]}`).
 */
import type { Metric, Registry } from 'prom-client';

export interface CounterCell {
  value: number;
}

/** One histogram series: counts per bucket (the last one is +Inf), not cumulative. */
export class HistogramCell {
  readonly #bounds: readonly number[];
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && v > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += v;
    this.count++;
  }
}

interface ExportedValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

interface Series<C> {
  readonly labels: Readonly<Record<string, string>>;
  readonly cell: C;
}

abstract class Family<C> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum';
  readonly labelNames: readonly string[];
  #series = new Map<string, Series<C>>();

  constructor(name: string, help: string, labelNames: readonly string[]) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }

  abstract get type(): string;
  protected abstract create(): C;
  protected abstract export(series: Series<C>, out: ExportedValue[]): void;

  /** The series of these label values (in `labelNames` order), created on first use. */
  cell(values: readonly string[]): C {
    const key = values.join('\u0000');
    let series = this.#series.get(key);
    if (series === undefined) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, i) => (labels[name] = values[i] ?? ''));
      series = { labels, cell: this.create() };
      this.#series.set(key, series);
    }
    return series.cell;
  }

  /** Registry.resetMetrics(); cells handed out before keep counting into nothing. */
  reset(): void {
    this.#series = new Map();
  }

  /** What a Registry reads to format or to send the series to the primary. */
  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: ExportedValue[];
  }> {
    const values: ExportedValue[] = [];
    for (const series of this.#series.values()) this.export(series, values);
    const { name, help, type, aggregator } = this;
    return Promise.resolve({ name, help, type, aggregator, values });
  }

  registerIn(registry: Registry): void {
    // The Registry only calls `get`, `reset` and reads `name`; its types name prom-client's
    // own classes.
    registry.registerMetric(this as unknown as Metric);
  }
}

export class CounterFamily extends Family<CounterCell> {
  get type(): string {
    return 'counter';
  }

  protected create(): CounterCell {
    return { value: 0 };
  }

  protected export(series: Series<CounterCell>, out: ExportedValue[]): void {
    out.push({ value: series.cell.value, labels: series.labels });
  }
}

export class HistogramFamily extends Family<HistogramCell> {
  readonly bounds: readonly number[];

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    bounds: readonly number[],
  ) {
    super(name, help, labelNames);
    this.bounds = bounds;
  }

  get type(): string {
    return 'histogram';
  }

  protected create(): HistogramCell {
    return new HistogramCell(this.bounds);
  }

  protected export({ labels, cell }: Series<HistogramCell>, out: ExportedValue[]): void {
    const bucket = `${this.name}_bucket`;
    let cumulative = 0;
    this.bounds.forEach((le, i) => {
      cumulative += cell.counts[i]!;
      out.push({ value: cumulative, labels: { ...labels, le }, metricName: bucket });
    });
    out.push({ value: cell.count, labels: { ...labels, le: '+Inf' }, metricName: bucket });
    out.push({ value: cell.sum, labels, metricName: `${this.name}_sum` });
    out.push({ value: cell.count, labels, metricName: `${this.name}_count` });
  }
}
