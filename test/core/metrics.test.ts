import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { MetatrainError } from '../../src/core/errors';
import { assertMetricName, counter, createMetricsRegistry, gauge, histogram } from '../../src/core/metrics';

test('metric names follow the Prometheus conventions or are refused when created', () => {
  const refused: Array<[string, 'counter' | 'gauge' | 'histogram', string[], RegExp]> = [
    ['tasks_total', 'counter', [], /start with metatrain_/],
    ['metatrain_tasksTotal', 'counter', [], /snake_case/],
    ['metatrain_tasks', 'counter', [], /counter must end in _total/],
    ['metatrain_workers_total', 'gauge', [], /only counters end in _total/],
    ['metatrain_step_duration_milliseconds', 'histogram', [], /non-base unit "milliseconds"/],
    ['metatrain_checkpoint_kb', 'gauge', [], /non-base unit "kb"/],
    ['metatrain_task_duration_count', 'histogram', [], /must not end in _count/],
    ['metatrain_tasks_done_total', 'counter', ['task_id'], /label "task_id" is reserved or unbounded/],
    ['metatrain_tasks_done_total', 'counter', ['step'], /label "step"/],
    ['metatrain_tasks_done_total', 'counter', ['Kind'], /label "Kind" must be snake_case/],
  ];
  for (const [name, kind, labels, message] of refused) {
    assert.throws(() => assertMetricName(name, kind, labels), (e: Error) => e instanceof MetatrainError && message.test(e.message), name);
  }
  assertMetricName('metatrain_task_duration_seconds', 'histogram', ['kind']);
  assertMetricName('metatrain_param_broadcast_bytes_total', 'counter');
  assertMetricName('metatrain_compression_size_ratio', 'gauge', ['run', 'model']);
});

test('histogram buckets must increase', () => {
  assert.throws(() => histogram(new Registry(), { name: 'metatrain_x_seconds', help: 'x', buckets: [1, 0.5] }), /increasing/);
  assert.throws(() => histogram(new Registry(), { name: 'metatrain_y_seconds', help: 'y', buckets: [] }), /increasing/);
});

test('two registries hold metrics of the same name without colliding; one registry refuses a duplicate', async () => {
  const a = createMetricsRegistry({ run: 'a' });
  const b = createMetricsRegistry({ run: 'b' });
  counter(a, { name: 'metatrain_things_total', help: 'things' }).inc(2);
  counter(b, { name: 'metatrain_things_total', help: 'things' }).inc(5);
  assert.match(await a.metrics(), /^metatrain_things_total\{run="a"\} 2$/m);
  assert.match(await b.metrics(), /^metatrain_things_total\{run="b"\} 5$/m);
  assert.throws(() => gauge(a, { name: 'metatrain_things_total', help: 'again' }));
});

test('the default registry carries process metrics but not the gauges prom-client misnames with _total', async () => {
  const text = await createMetricsRegistry({ run: 'r' }).metrics();
  assert.match(text, /^process_cpu_seconds_total\{run="r"\} /m);
  assert.match(text, /^# TYPE nodejs_active_handles gauge$/m);
  assert.doesNotMatch(text, /nodejs_active_(handles|requests|resources)_total/);
});
