// Reading GET /metrics in tests: the Prometheus text format as samples by name and labels.

/** The value of the sample `name` whose labels are exactly `labels` (0 when absent: a counter never touched). */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).sort(([ a ], [ b ]) => a.localeCompare(b));
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = [ ...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g) ].map(m => [ m[1], m[2] ]).sort(([ a ], [ b ]) => a.localeCompare(b));
    if (JSON.stringify(found) === JSON.stringify(wanted)) return Number(match[3]);
  }
  return 0;
}

/** Every label value `label` takes among the samples of `name`. */
export function labelValues(text: string, name: string, label: string): string[] {
  const values = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const value = new RegExp(`[{,]${label}="([^"]*)"`).exec(line)?.[1];
    if (value !== undefined) values.add(value);
  }
  return [ ...values ];
}
