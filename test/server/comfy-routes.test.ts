/**
 * ComfyUI routes other than the happy path of /prompt: node_errors shapes (ComfyUI execution.py `validate_inputs`, `validate_prompt`),
 * /queue, /history, /interrupt, /free, /object_info (V1 entries), /system_stats, /features, the /api prefix.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, comfyChain, startTestServer, WsProbe, type TestServer } from './helpers/test-server.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

type Rejection = {
  error: { type: string; message: string; details: string; extra_info: object };
  node_errors: Record<
    string,
    { errors: { type: string; message: string; details: string; extra_info: Record<string, unknown> }[]; dependent_outputs: string[]; class_type: string }
  >;
};

const post = (body: unknown) => api(t.url, '/prompt', { json: body });

describe("validation failures in ComfyUI's shapes", () => {
  test('no prompt → 400 no_prompt with empty node_errors', async () => {
    const res = await post({ client_id: 'x' });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} }, node_errors: {} });
  });

  test('unknown class → 400 invalid_prompt naming the class and node', async () => {
    const res = await post({ prompt: { '7': { class_type: 'NoSuchNode', inputs: {} } } });
    assert.equal(res.status, 400);
    const body = res.body as Rejection;
    assert.equal(body.error.type, 'invalid_prompt');
    assert.equal(body.error.message, 'Cannot execute because node NoSuchNode does not exist.');
    assert.equal(body.error.details, "Node ID '#7'");
    assert.deepEqual(body.node_errors, {});
  });

  test('missing class_type → invalid_prompt', async () => {
    const res = await post({ prompt: { '1': { inputs: {} } } });
    assert.equal((res.body as Rejection).error.type, 'invalid_prompt');
  });

  test('no output node → prompt_no_outputs', async () => {
    const res = await post({ prompt: { '1': { class_type: 'Source', inputs: { value: 1 } } } });
    assert.equal(res.status, 400);
    assert.equal((res.body as Rejection).error.type, 'prompt_no_outputs');
  });

  test('a value outside an enum → value_not_in_list with the options as input_config', async () => {
    const prompt = {
      '1': { class_type: 'Source', inputs: { value: 1 } },
      '2': { class_type: 'Scale', inputs: { x: ['1', 0], mode: 'pow' } },
      '3': { class_type: 'Collect', inputs: { a: ['2', 0] } },
    };
    const res = await post({ prompt });
    assert.equal(res.status, 400);
    const body = res.body as Rejection;
    assert.equal(body.error.type, 'prompt_outputs_failed_validation');
    assert.equal(body.error.message, 'Prompt outputs failed validation');
    const nodeError = body.node_errors['2'];
    assert.ok(nodeError);
    assert.equal(nodeError.class_type, 'Scale');
    assert.deepEqual(nodeError.dependent_outputs, ['3']);
    const [error] = nodeError.errors;
    assert.equal(error?.type, 'value_not_in_list');
    assert.equal(error?.message, 'Value not in list');
    assert.deepEqual(error?.extra_info, { input_name: 'mode', received_value: 'pow', input_config: [['mul', 'div'], {}] });
    assert.match(String(error?.details), /^mode: .*one of mul, div/);
  });

  test('range and type violations → value_bigger_than_max, value_smaller_than_min, invalid_input_type', async () => {
    const cases: [unknown, string][] = [
      [5000, 'value_bigger_than_max'],
      [-5000, 'value_smaller_than_min'],
      ['abc', 'invalid_input_type'],
    ];
    for (const [value, type] of cases) {
      const res = await post({ prompt: { '1': { class_type: 'Source', inputs: { value } }, '3': { class_type: 'Collect', inputs: { a: ['1', 0] } } } });
      assert.equal(res.status, 400);
      const error = (res.body as Rejection).node_errors['1']?.errors[0];
      assert.equal(error?.type, type, JSON.stringify(value));
      assert.equal(error?.extra_info.input_name, 'value');
      assert.deepEqual(error?.extra_info.received_value, value);
    }
  });

  test('missing required input and a link to a missing node', async () => {
    const res = await post({ prompt: { '3': { class_type: 'Collect', inputs: {} }, '4': { class_type: 'Collect', inputs: { a: ['99', 0] } } } });
    const body = res.body as Rejection;
    assert.equal(res.status, 400);
    assert.equal(body.node_errors['3']?.errors[0]?.type, 'required_input_missing');
    assert.equal(body.node_errors['3']?.errors[0]?.extra_info.input_name, 'a');
    assert.equal(body.node_errors['4']?.errors[0]?.type, 'bad_linked_input');
  });

  test('a valid output still runs (200) while a broken one is reported in node_errors', async () => {
    const prompt = {
      '1': { class_type: 'Source', inputs: { value: 81 } },
      '3': { class_type: 'Collect', inputs: { a: ['1', 0], label: 'good' } },
      '5': { class_type: 'Scale', inputs: { x: ['1', 0], factor: 99 } },
      '6': { class_type: 'Collect', inputs: { a: ['5', 0], label: 'bad' } },
    };
    const ws = await WsProbe.connect(`${t.wsUrl}/ws?clientId=partial`);
    const res = await post({ prompt, client_id: 'partial' });
    assert.equal(res.status, 200);
    const body = res.body as { prompt_id: string; node_errors: Rejection['node_errors'] };
    assert.deepEqual(Object.keys(body.node_errors), ['5']);
    assert.equal(body.node_errors['5']?.errors[0]?.type, 'value_bigger_than_max');
    assert.deepEqual(body.node_errors['5']?.dependent_outputs, ['6']);
    await ws.waitForEnd(body.prompt_id);
    const entry = ((await api(t.url, `/history/${body.prompt_id}`)).body as Record<string, { outputs: object; prompt: unknown[] }>)[body.prompt_id];
    assert.deepEqual(entry?.outputs, { '3': { values: [81], label: ['good'] } });
    assert.deepEqual(entry?.prompt[4], ['3']);
    ws.close();
  });

  test('unknown inputs and _meta are ignored; unreachable invalid nodes are not validated; aliases rename inputs', async () => {
    const ws = await WsProbe.connect(`${t.wsUrl}/ws?clientId=lenient`);
    const prompt = {
      '1': { class_type: 'Source', inputs: { value: 91, not_an_input: 3 }, _meta: { title: 'Number' } },
      '2': { class_type: 'ComfyCollect', inputs: { first: ['1', 0], label: 'alias' } },
      '8': { class_type: 'Scale', inputs: { factor: 1000 } },
    };
    const res = await post({ prompt, client_id: 'lenient', front: true, extra_data: {} });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const id = (res.body as { prompt_id: string }).prompt_id;
    await ws.waitForEnd(id);
    assert.deepEqual(ws.forPrompt(id).find((m) => m.type === 'executed')?.data.output, { values: [91], label: ['alias'] });
    ws.close();
  });

  test('partial_execution_targets limits the outputs', async () => {
    const prompt = {
      '1': { class_type: 'Source', inputs: { value: 3 } },
      '3': { class_type: 'Collect', inputs: { a: ['1', 0], label: 'p3' } },
      '4': { class_type: 'Collect', inputs: { a: ['1', 0], label: 'p4' } },
    };
    const ws = await WsProbe.connect(`${t.wsUrl}/ws?clientId=targets`);
    const id = ((await post({ prompt, client_id: 'targets', partial_execution_targets: ['4'] })).body as { prompt_id: string }).prompt_id;
    await ws.waitForEnd(id);
    assert.deepEqual(
      ws
        .forPrompt(id)
        .filter((m) => m.type === 'executed')
        .map((m) => m.data.node),
      ['4'],
    );
    ws.close();
  });
});

describe('queue, history, interrupt, free', () => {
  test('GET /queue 5-tuples, GET /prompt, /history/{id} is {} until done, delete and clear pending', async () => {
    const ws = await WsProbe.connect(`${t.wsUrl}/ws?clientId=queue`);
    // Slow enough to still be running after five more POSTs on a loaded machine.
    const running = ((await post({ prompt: comfyChain(101, 2000), client_id: 'queue' })).body as { prompt_id: string }).prompt_id;
    await ws.waitFor((m) => m.type === 'execution_start' && m.data.prompt_id === running);
    const p2 = ((await post({ prompt: comfyChain(102), client_id: 'queue' })).body as { prompt_id: string }).prompt_id;
    const p3 = ((await post({ prompt: comfyChain(103), client_id: 'queue' })).body as { prompt_id: string }).prompt_id;
    const p4 = ((await post({ prompt: comfyChain(104), client_id: 'queue' })).body as { prompt_id: string }).prompt_id;
    const p5res = (await post({ prompt: comfyChain(105), client_id: 'queue', front: true })).body as { prompt_id: string; number: number };
    assert.ok(p5res.number < 0, '`front` gives a negative number (ComfyUI: -counter)');
    const p5 = p5res.prompt_id;
    const queue = (await api(t.url, '/queue')).body as { queue_running: unknown[][]; queue_pending: unknown[][] };
    assert.equal(queue.queue_running.length, 1);
    const [number, id, prompt, extra, outputs] = queue.queue_running[0] as [number, string, object, { client_id: string }, string[]];
    assert.equal(typeof number, 'number');
    assert.equal(id, running);
    assert.deepEqual(prompt, comfyChain(101, 2000));
    assert.equal(extra.client_id, 'queue');
    assert.deepEqual(outputs, ['3']);
    assert.deepEqual(
      queue.queue_pending.map((item) => item[1]),
      [p5, p2, p3, p4],
    );
    assert.deepEqual((await api(t.url, '/prompt')).body, { exec_info: { queue_remaining: 5 } });
    assert.deepEqual((await api(t.url, `/history/${p2}`)).body, {});
    assert.deepEqual((await api(t.url, `/history/${running}`)).body, {});

    const del = await api(t.url, '/queue', { json: { delete: [p3] } });
    assert.equal(del.status, 200);
    assert.equal(del.text, '');
    const afterDelete = (await api(t.url, '/api/queue')).body as { queue_pending: unknown[][] };
    assert.deepEqual(
      afterDelete.queue_pending.map((item) => item[1]),
      [p5, p2, p4],
    );
    await api(t.url, '/queue', { json: { clear: true } });
    assert.deepEqual(((await api(t.url, '/queue')).body as { queue_pending: unknown[] }).queue_pending, []);
    await ws.waitForEnd(running);
    ws.close();
  });

  test('/interrupt: a different prompt_id is ignored; an empty body interrupts the running prompt', async () => {
    const ws = await WsProbe.connect(`${t.wsUrl}/ws?clientId=intr`);
    const id = ((await post({ prompt: comfyChain(111, 3000), client_id: 'intr' })).body as { prompt_id: string }).prompt_id;
    await ws.waitFor((m) => m.type === 'progress' && m.data.prompt_id === id);
    const other = await api(t.url, '/interrupt', { json: { prompt_id: 'not-running' } });
    assert.equal(other.status, 200);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(
      ws.forPrompt(id).some((m) => m.type === 'execution_interrupted'),
      false,
    );
    const res = await fetch(`${t.url}/interrupt`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '');
    await ws.waitForEnd(id);
    const interrupted = ws.forPrompt(id).find((m) => m.type === 'execution_interrupted')?.data;
    assert.equal(interrupted?.node_id, '2');
    assert.equal(interrupted?.node_type, 'Slow');
    assert.deepEqual(interrupted?.executed, ['1']);
    const entry = ((await api(t.url, `/history/${id}`)).body as Record<string, { status: { status_str: string; completed: boolean } }>)[id];
    assert.deepEqual({ ...entry?.status, messages: undefined }, { status_str: 'error', completed: false, messages: undefined });
    ws.close();
  });

  test('/history paging: max_items alone gives the last N, with offset a window; POST /history deletes', async () => {
    const all = Object.keys((await api(t.url, '/history')).body as object);
    assert.ok(all.length >= 4);
    assert.deepEqual(Object.keys((await api(t.url, '/history?max_items=2')).body as object), all.slice(-2));
    assert.deepEqual(Object.keys((await api(t.url, '/history?max_items=2&offset=1')).body as object), all.slice(1, 3));
    assert.equal((await api(t.url, '/history?max_items=abc')).status, 400);
    await api(t.url, '/history', { json: { delete: [all[0]] } });
    assert.deepEqual(Object.keys((await api(t.url, '/history')).body as object), all.slice(1));
  });

  test('/free with no body, an empty object or flags answers 200 with an empty body', async () => {
    for (const init of [{ method: 'POST' }, { json: {} }, { json: { unload_models: true, free_memory: true } }]) {
      const res = await api(t.url, '/free', init);
      assert.equal(res.status, 200);
      assert.equal(res.text, '');
    }
    assert.equal((await api(t.url, '/free', { json: { unload_models: 'yes' } })).status, 400);
  });
});

describe('/object_info, /system_stats, /features and friends', () => {
  test('V1 entries: combos as [[options], {...}], numbers with ranges, outputs, aliases, file widgets', async () => {
    mkdirSync(join(t.dirs.models, 'loras', 'sub'), { recursive: true });
    writeFileSync(join(t.dirs.models, 'loras', 'a.safetensors'), 'x');
    writeFileSync(join(t.dirs.models, 'loras', 'sub', 'b.safetensors'), 'x');
    const info = (await api(t.url, '/object_info')).body as Record<
      string,
      {
        input: { required: Record<string, [unknown, Record<string, unknown>]>; optional: Record<string, unknown> };
        output: string[];
        output_node: boolean;
        name: string;
        category: string;
      }
    >;
    const scale = info.Scale;
    assert.ok(scale);
    assert.deepEqual(scale.input.required.mode?.[0], ['mul', 'div']);
    assert.equal(scale.input.required.mode?.[1].default, 'mul');
    assert.equal(scale.input.required.factor?.[0], 'FLOAT');
    assert.equal(scale.input.required.factor?.[1].min, 0);
    assert.equal(scale.input.required.factor?.[1].max, 10);
    assert.equal(scale.input.required.x?.[0], 'FLOAT');
    assert.deepEqual(scale.output, ['FLOAT']);
    assert.equal(info.Slow?.input.required.ms?.[0], 'INT');
    assert.equal(info.Slow?.input.required.ms?.[1].max, 10_000);
    assert.equal(info.Collect?.output_node, true);
    assert.deepEqual(Object.keys(info.Collect?.input.optional ?? {}), ['b']);
    assert.deepEqual(Object.keys(info.ComfyCollect?.input.required ?? {}).sort(), ['first', 'label']);
    // Every ComfyUI class says which Loom node serves it and with what semantics.
    const alias = info.ComfyCollect as unknown as { comfy: { node: string; semantics: string }; description: string };
    assert.deepEqual(alias.comfy, { node: 'Collect', semantics: "Loom's Collect, with ComfyUI's semantics." });
    assert.match(alias.description, /Served by Loom's Collect: Loom's Collect, with ComfyUI's semantics\.$/);
    assert.equal((info.Collect as unknown as { comfy?: unknown }).comfy, undefined);
    assert.deepEqual(info.PickLora?.input.required.lora?.[0], ['a.safetensors', 'sub/b.safetensors']);
    assert.equal(info.Seed?.input.required.seed?.[1].control_after_generate, true);
    const one = (await api(t.url, '/object_info/Scale')).body as Record<string, unknown>;
    assert.deepEqual(Object.keys(one), ['Scale']);
    const unknown = await api(t.url, '/api/object_info/NoSuchClass');
    assert.equal(unknown.status, 200);
    assert.deepEqual(unknown.body, {});
  });

  test('/system_stats carries system.os and devices; /features; /embeddings; /extensions; /models', async () => {
    const stats = (await api(t.url, '/system_stats')).body as { system: Record<string, unknown>; devices: Record<string, unknown>[] };
    assert.equal(typeof stats.system.os, 'string');
    assert.equal(typeof stats.system.ram_total, 'number');
    assert.equal(stats.devices.length, 1);
    assert.equal(stats.devices[0]?.type, 'cpu');
    const features = (await api(t.url, '/api/features')).body as { supports_preview_metadata: boolean; max_upload_size: number };
    assert.equal(features.supports_preview_metadata, true);
    assert.equal(features.max_upload_size, 32 * 1024 * 1024);
    assert.deepEqual((await api(t.url, '/embeddings')).body, []);
    assert.deepEqual((await api(t.url, '/api/extensions')).body, []);
    assert.ok(((await api(t.url, '/models')).body as string[]).includes('loras'));
    assert.equal((await api(t.url, '/models/no_such_folder')).status, 404);
  });

  test('every ComfyUI route answers under /api too, and unknown query parameters are ignored', async () => {
    for (const path of ['/prompt', '/queue', '/history', '/object_info/Scale', '/system_stats', '/features', '/embeddings']) {
      const bare = await api(t.url, `${path}?clientId=whatever`);
      const prefixed = await api(t.url, `/api${path}?clientId=whatever`);
      assert.equal(bare.status, 200, path);
      assert.equal(prefixed.status, 200, `/api${path}`);
    }
  });
});
