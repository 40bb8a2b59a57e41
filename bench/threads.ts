/**
 * Where a measurement's CPU went, thread by thread (`BENCH_THREADS=1`, for diagnosis): samples
 * `/proc/<pid>/task/<tid>/schedstat` of the bench's own process, its descendants (the bridge, the
 * pty's shell and the flood's commands) and each Chromium started in a process group of its own,
 * every {@link EVERY_MS}. A window's use is read off afterwards per process kind and thread name
 * (`renderer chromium`, `gpu-process VizCompositorTh`, `bridge MainThread`, …).
 */
import { readFileSync, readdirSync } from 'node:fs';

const EVERY_MS = 50;

interface Sample {
	at: number;
	/** By thread: seconds on a CPU, and seconds runnable but waiting for one (`schedstat`). */
	used: Map<string, [number, number]>;
}

const read = (file: string) => {
	try {
		return readFileSync(file, 'utf8');
	} catch {
		return '';
	}
};

/** `stat`'s fields after the command name (which may hold spaces and parentheses). */
const fields = (stat: string) => stat.slice(stat.lastIndexOf(')') + 2).split(' ');

/** A process's kind: Chromium's `--type=`, else its command's name. */
function kindOf(pid: string): string {
	// A zygote's children rewrite their title into one string: split on spaces too.
	const cmdline = read(`/proc/${pid}/cmdline`).split(/[\0 ]/);
	const type = cmdline.find((arg) => arg.startsWith('--type='))?.slice('--type='.length);
	if (type) return type === 'utility' ? `utility ${utilityName(cmdline)}` : type;
	if (pid === String(process.pid)) return 'bench';
	if (cmdline.some((arg) => arg.endsWith('server/cli.ts'))) return 'bridge';
	if (cmdline[0]?.includes('chrom')) return 'browser';
	return read(`/proc/${pid}/comm`).trim();
}

function utilityName(cmdline: string[]): string {
	const sub = cmdline.find((arg) => arg.startsWith('--utility-sub-type='));
	return sub ? (sub.split('.').at(-2) ?? sub) : '';
}

export function threadSampler() {
	const samples: Sample[] = [];
	const kinds = new Map<string, string>();
	let pids: string[] = [];
	let scanned = 0;
	/** This process, its descendants and every process in a group led by one of its children. */
	const scan = () => {
		const parent = new Map<string, string>();
		const group = new Map<string, string>();
		for (const pid of readdirSync('/proc')) {
			if (!/^\d+$/.test(pid)) continue;
			const f = fields(read(`/proc/${pid}/stat`));
			if (f.length < 3) continue;
			parent.set(pid, f[1]!);
			group.set(pid, f[2]!);
		}
		const ours = new Set([String(process.pid)]);
		for (let grew = true; grew;) {
			grew = false;
			for (const [pid, ppid] of parent) {
				if (ours.has(pid)) continue;
				if (ours.has(ppid) || ours.has(group.get(pid)!)) {
					ours.add(pid);
					grew = true;
				}
			}
		}
		pids = [...ours];
	};
	const sample = () => {
		const now = Date.now();
		if (now - scanned > 200) {
			scan();
			scanned = now;
		}
		const used = new Map<string, [number, number]>();
		for (const pid of pids) {
			let kind = kinds.get(pid);
			if (kind === undefined) kinds.set(pid, (kind = kindOf(pid)));
			let tids: string[];
			try {
				tids = readdirSync(`/proc/${pid}/task`);
			} catch {
				continue;
			}
			for (const tid of tids) {
				const [cpu, wait] = read(`/proc/${pid}/task/${tid}/schedstat`).split(' ').map(Number);
				if (cpu === undefined || wait === undefined || Number.isNaN(cpu)) continue;
				const name = read(`/proc/${pid}/task/${tid}/comm`).trim();
				// Threads of a name are summed, each counted from its own start (a key per tid).
				used.set(`${kind}\t${name}\t${pid}:${tid}`, [cpu / 1e9, wait / 1e9]);
			}
		}
		samples.push({ at: now, used });
	};
	const timer = setInterval(sample, EVERY_MS);
	timer.unref();
	sample();
	return {
		stop: () => clearInterval(timer),
		/**
		 * By "kind thread", largest first: CPU seconds, and seconds it was ready to run but waited
		 * for a core, between two wall-clock times.
		 */
		between(from: number, to: number): Array<[string, number, number]> {
			const first = samples.findLastIndex((s) => s.at <= from);
			const start = samples[Math.max(0, first)]!.used;
			const end = new Map<string, [number, number]>();
			// Each thread's last sample up to `to`: a command that exited in the window still counts.
			for (const s of samples.slice(Math.max(0, first))) {
				if (s.at > to + EVERY_MS) break;
				for (const [key, times] of s.used) end.set(key, times);
			}
			const totals = new Map<string, [number, number]>();
			for (const [key, [cpu, wait]] of end) {
				const [kind, name] = key.split('\t');
				const label = `${kind} ${name}`;
				const [cpu0, wait0] = start.get(key) ?? [0, 0];
				const sum = totals.get(label) ?? [0, 0];
				totals.set(label, [sum[0] + cpu - cpu0, sum[1] + wait - wait0]);
			}
			return [...totals]
				.map(([label, [cpu, wait]]): [string, number, number] => [label, cpu, wait])
				.filter(([, cpu]) => cpu > 0.005)
				.sort((x, y) => y[1] - x[1]);
		},
	};
}
