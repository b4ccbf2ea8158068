import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  histogramBuckets,
  histogramMaxBound,
  histogramQuantile,
  parseExposition,
  sampleSum,
} from '../../../src/metrics/exposition.ts';

const TEXT = `# HELP lat_seconds Latency
# TYPE lat_seconds histogram
lat_seconds_bucket{le="0.1"} 50
lat_seconds_bucket{le="0.2"} 90
lat_seconds_bucket{le="0.5"} 100
lat_seconds_bucket{le="+Inf"} 100
lat_seconds_sum 12.5
lat_seconds_count 100
messages_total{outcome="landed",topic="a \\"quoted\\" name"} 7
messages_total{outcome="duplicate"} 2
`;

test('parseExposition reads names, labels (escapes included) and values, skipping comments', () => {
  const samples = parseExposition(TEXT);
  assert.equal(samples.length, 8);
  assert.deepEqual(samples[6], { name: 'messages_total', labels: { outcome: 'landed', topic: 'a "quoted" name' }, value: 7 });
  assert.equal(sampleSum(samples, 'messages_total'), 9);
  assert.equal(sampleSum(samples, 'messages_total', { outcome: 'duplicate' }), 2);
});

test("histogramQuantile interpolates inside the bucket, as PromQL's histogram_quantile does", () => {
  const buckets = histogramBuckets(parseExposition(TEXT), 'lat_seconds');
  assert.equal(histogramQuantile(buckets, 0.5), 0.1);
  assert.ok(Math.abs((histogramQuantile(buckets, 0.7) ?? 0) - 0.15) < 1e-9);
  assert.ok(Math.abs((histogramQuantile(buckets, 0.95) ?? 0) - 0.35) < 1e-9);
  assert.equal(histogramMaxBound(buckets), 0.5);
  assert.equal(histogramQuantile([{ le: Number.POSITIVE_INFINITY, count: 0 }], 0.5), undefined);
});
