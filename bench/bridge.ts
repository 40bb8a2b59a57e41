/**
 * `npm run bench` (part 2): the bridge against the raw parts it is made of, measured in the same
 * run on the same machine. Printed as ratios with the targets; never asserted.
 *
 * - start latency: run request → first output byte, local, against node-pty spawning the same
 *   shell in-process; and over ssh through the bridge's shared connection, against a raw
 *   `ssh -S <control socket> host true` on a master of our own;
 * - a `yes` flood for FLOOD_S seconds through the bridge to a client that keeps up: the
 *   bridge's peak memory against its idle memory, then Ctrl-C → exit against the same
 *   keystroke into a bare pty.
 *
 * Throughput into the in-page terminal is measured in the browser by `bench/terminal.ts`.
 */
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pty from 'node-pty';
import { spawnTestBridge, startNodeFlags, TestClient } from '../tests/support/bridge.ts';
import { startSshd } from '../tests/support/sshd.ts';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 30);
const BRIDGE_NODE_FLAGS = await startNodeFlags();
const FLOOD_S = Number(process.env.BENCH_FLOOD_S ?? 30);

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const ms = (n: number) => `${n.toFixed(1)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

/** Run request → first byte of output, through the bridge. */
async function firstByte(client: TestClient, block: string): Promise<number> {
	const started = performance.now();
	const { run } = await client.run(block);
	if (!run) throw new Error(`${block} was refused`);
	await client.until(() => (client.bytes.get(run.id) ?? 0) > 0, 'first byte');
	const elapsed = performance.now() - started;
	await client.ended(run.id);
	return elapsed;
}

/** The same, for a pty spawned in-process: the floor of any bridge. */
function ptyFirstByte(): Promise<number> {
	return new Promise((resolve) => {
		const started = performance.now();
		const child = pty.spawn('/bin/bash', ['-c', 'echo "hello from opsbook"'], {
			env: { PATH: process.env.PATH ?? '' },
		});
		let first = 0;
		child.onData(() => (first ||= performance.now() - started));
		child.onExit(() => resolve(first));
	});
}

function rssMiB(pid: number): Promise<number> {
	return readFile(`/proc/${pid}/status`, 'utf8').then(
		(status) => Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024,
	);
}

async function ptyCtrlC(): Promise<number> {
	return new Promise((resolve) => {
		const child = pty.spawn('/bin/bash', ['-c', 'yes'], { env: { PATH: process.env.PATH ?? '' } });
		child.onData(() => {});
		let sent = 0;
		setTimeout(() => {
			sent = performance.now();
			child.write('\x03');
		}, 1000);
		child.onExit(() => resolve(performance.now() - sent));
	});
}

console.log('\nThe bridge against its raw parts, same run, same machine\n');

// Local start latency.
{
	// In its own process, so its memory is its own; with the Node flags of `npm start`.
	const bridge = await spawnTestBridge({ nodeFlags: BRIDGE_NODE_FLAGS });
	const client = await TestClient.connect(bridge);
	await firstByte(client, 't.echo');
	const viaBridge: number[] = [];
	const raw: number[] = [];
	for (let i = 0; i < SAMPLES; i++) {
		viaBridge.push(await firstByte(client, 't.echo'));
		raw.push(await ptyFirstByte());
	}
	console.log(
		`first byte, local     ${ms(p50(viaBridge))} vs pty ${ms(p50(raw))}   ${ratio(p50(viaBridge), p50(raw))}  (target p50 ≤ 30 ms)`,
	);

	// The flood: memory while a client keeps up, then Ctrl-C.
	const idle = await rssMiB(bridge.child.pid!);
	const { run } = await client.run('t.yes');
	if (!run) throw new Error('t.yes was refused');
	let peak = idle;
	const until = Date.now() + FLOOD_S * 1000;
	while (Date.now() < until) {
		await new Promise((r) => setTimeout(r, 250));
		peak = Math.max(peak, await rssMiB(bridge.child.pid!));
	}
	const flooded = client.bytes.get(run.id) ?? 0;
	const sent = performance.now();
	client.send({ type: 'input', run: run.id, data: '\x03' });
	await client.ended(run.id);
	const ctrlC = performance.now() - sent;
	const rawCtrlC = await ptyCtrlC();
	console.log(
		`flood ${FLOOD_S} s, bridge RSS  peak ${peak.toFixed(0)} MiB vs idle ${idle.toFixed(0)} MiB   ${ratio(peak, idle)}  (target ≤ 150 MB)  ${(flooded / 2 ** 20 / FLOOD_S).toFixed(0)} MiB/s to a node client`,
	);
	console.log(
		`Ctrl-C → exit         ${ms(ctrlC)} vs pty ${ms(rawCtrlC)}   ${ratio(ctrlC, rawCtrlC)}  (target ≤ 300 ms)`,
	);
	client.close();
	await bridge.dispose();
}

// ssh start latency, multiplexed, against raw ssh on its own master.
{
	const sshd = await startSshd();
	const bridge = await spawnTestBridge({
		nodeFlags: BRIDGE_NODE_FLAGS,
		args: ['--arm', 'testbox', '--ssh-config', sshd.configFile],
	});
	const client = await TestClient.connect(bridge);
	await firstByte(client, 'r.hello');
	const viaBridge: number[] = [];
	for (let i = 0; i < SAMPLES; i++) viaBridge.push(await firstByte(client, 'r.hello'));
	const control = join(bridge.stateDir, 'raw.sock');
	const ssh = (...args: string[]) => ['-F', sshd.configFile, '-S', control, ...args];
	spawnSync('ssh', ssh('-M', '-N', '-f', '-o', 'ControlPersist=60', '--', sshd.host), {
		stdio: 'ignore',
	});
	const raw: number[] = [];
	for (let i = 0; i < SAMPLES; i++) {
		const started = performance.now();
		spawnSync('ssh', ssh('--', sshd.host, 'true'), { stdio: 'ignore' });
		raw.push(performance.now() - started);
	}
	spawnSync('ssh', ssh('-O', 'exit', sshd.host), { stdio: 'ignore' });
	console.log(
		`first byte, ssh       ${ms(p50(viaBridge))} vs ssh -S … true ${ms(p50(raw))}   ${ratio(p50(viaBridge), p50(raw))}  (target ≤ 1.30×)`,
	);
	client.close();
	await bridge.dispose();
	await sshd.close();
}
