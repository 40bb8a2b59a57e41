/**
 * The bridge's incident timelines: one append-only file per incident in the state folder
 * (`<stateDir>/incidents/<incident>.jsonl`, the format of `src/incident/file.ts`), private like
 * the audit log, and the rules of what may be added to them.
 *
 * Every event is on disk (written and `datasync`ed) before the bridge tells any page about it,
 * so an event a page has seen acknowledged survives a restart and a `kill -9`. A crash can cut
 * off at most the line being written, whose event nobody heard of: loading skips it and says so,
 * and the next append starts on a new line, leaving the cut-off bytes where they are.
 *
 * At most one incident is open at a time: runs are recorded to it, and a second declaration is
 * refused until it is resolved.
 *
 * Another process may append to the same files: `opsbook run` in a terminal records its runs in
 * the open incident as the bridge does. A running bridge watches the folder (`watch`) and takes
 * in what others wrote, so its pages and their report miss nothing.
 */
import { randomBytes } from 'node:crypto';
import {
	closeSync,
	constants,
	ftruncateSync,
	readdirSync,
	readFileSync,
	watch,
	writeSync,
} from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import {
	parseTimeline,
	timelineHeader,
	timelineLine,
	TimelineFileError,
} from '../src/incident/file.ts';
import { IncidentIdSchema, type TimelineEvent } from '../src/incident/schema.ts';
import {
	BRIDGE_KINDS,
	foldIncident,
	summarizeIncident,
	type IncidentState,
	type IncidentSummary,
} from '../src/incident/timeline.ts';
import { INCIDENT_LIST_MAX, type ErrorCode } from '../src/protocol.ts';
import { openPrivateFile, privateDir } from './private-files.ts';

type Warn = (line: string) => void;

/** One incident as the bridge keeps it. */
export interface IncidentRecord {
	readonly id: string;
	readonly file: string;
	/** In the order they were written (a reader orders them by time: `mergeEvents`). */
	readonly events: TimelineEvent[];
	readonly ids: Set<string>;
	/** Lines of its file that could not be read when the bridge started. */
	readonly dropped: string[];
	/** The incident as its events leave it; undefined while its declaration is missing. */
	state: IncidentState | undefined;
}

export interface AddOptions {
	/** Who adds them: a page (its events are checked), or the bridge itself (its runs, reminders). */
	from: 'page' | 'bridge';
	/** A page hands over another responder's exported timeline. */
	merge?: boolean;
}

export type AddResult =
	| {
			ok: true;
			/** The events now on disk that were not before, by incident. */
			added: Map<string, TimelineEvent[]>;
			/** Every event of the batch as the timeline holds it, by incident (new or already there). */
			echo: Map<string, TimelineEvent[]>;
	  }
	| {
			ok: false;
			code: ErrorCode;
			message: string;
			/** What was written before the failure (a batch of several incidents), by incident. */
			added: Map<string, TimelineEvent[]>;
	  };

/**
 * The bridge's id: random, made once per state folder and kept in `<stateDir>/bridge-id`, so the
 * run events of two responders' bridges are told apart when their timelines are merged.
 */
export function bridgeId(stateDir: string, warn?: Warn): string {
	privateDir(stateDir, warn);
	const file = join(stateDir, 'bridge-id');
	const fd = openPrivateFile(
		file,
		constants.O_RDWR | constants.O_CREAT,
		'the bridge id file',
		warn,
	);
	try {
		const kept = readFileSync(fd, 'utf8').trim();
		if (/^[a-z0-9]{8,64}$/.test(kept)) return kept;
		const id = randomBytes(8).toString('hex');
		ftruncateSync(fd, 0);
		writeSync(fd, `${id}\n`, 0);
		return id;
	} finally {
		closeSync(fd);
	}
}

/**
 * The last `max` lines of a run's output as plain text: terminal escapes and control characters
 * removed, a line overwritten with `\r` kept as it was left, each line clipped to 1000 characters,
 * and any of `secrets` that the command printed shown as `***`.
 */
export function terminalTail(
	chunks: readonly Uint8Array[],
	max = 20,
	secrets: readonly string[] = [],
): string[] {
	let text = new TextDecoder().decode(Buffer.concat(chunks));
	text = text
		// OSC (title, hyperlinks) up to BEL or ST, then CSI, then the two-byte escapes.
		.replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)?/g, '')
		.replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
		.replace(/\x1b[@-_]?/g, '')
		.replace(/\r+\n/g, '\n');
	for (const secret of secrets) if (secret.length >= 3) text = text.replaceAll(secret, '***');
	const lines = text
		.split('\n')
		.map((line) => line.slice(line.lastIndexOf('\r') + 1))
		.map((line) => line.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, ''));
	while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
	return lines.slice(-max).map((line) => (line.length > 1000 ? `${line.slice(0, 999)}…` : line));
}

export class Timeline {
	readonly dir: string;
	readonly bridgeId: string;
	readonly #records = new Map<string, IncidentRecord>();
	/** Files whose last line a crash cut off: the next append starts with a newline. */
	readonly #cutOff = new Set<string>();
	/** Files a crash left without their header line: it is written with the next event. */
	readonly #headerless = new Set<string>();
	readonly #handles = new Map<string, Promise<FileHandle>>();
	#queue: Promise<unknown> = Promise.resolve();
	readonly #warn: Warn;

	/** Loads every incident file of `stateDir`; a file it cannot read is said, not fatal. */
	constructor(stateDir: string, warn: Warn = (line) => console.error(line)) {
		this.#warn = warn;
		this.dir = join(stateDir, 'incidents');
		this.bridgeId = bridgeId(stateDir, warn);
		let names: string[] = [];
		try {
			names = readdirSync(this.dir);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
		}
		for (const name of names.filter((n) => n.endsWith('.jsonl')).sort()) this.#load(name);
	}

	#load(name: string) {
		const file = join(this.dir, name);
		const fd = openPrivateFile(file, constants.O_RDONLY, 'the timeline file', this.#warn);
		let text: string;
		try {
			text = readFileSync(fd, 'utf8');
		} finally {
			closeSync(fd);
		}
		const id = name.slice(0, -'.jsonl'.length);
		let parsed;
		try {
			parsed = parseTimeline(text);
		} catch (error) {
			if (!(error instanceof TimelineFileError)) throw error;
			this.#warn(`opsbook: ${file} was not loaded: ${error.message}`);
			return;
		}
		if (parsed.header && parsed.header.incident !== id) {
			this.#warn(
				`opsbook: ${file} was not loaded: it holds incident "${parsed.header.incident}", not "${id}".`,
			);
			return;
		}
		if (!IncidentIdSchema.safeParse(id).success) return;
		if (text !== '' && !text.endsWith('\n')) this.#cutOff.add(id);
		const record: IncidentRecord = {
			id,
			file,
			events: [],
			ids: new Set(),
			dropped: parsed.dropped,
			state: undefined,
		};
		for (const event of parsed.events) {
			if (record.ids.has(event.id)) continue;
			record.ids.add(event.id);
			record.events.push(event);
		}
		// A file with no header yet (a crash while creating it) gets one with its first event.
		if (!parsed.header) this.#headerless.add(id);
		record.state = foldIncident(record.events);
		this.#records.set(id, record);
		for (const line of parsed.dropped) this.#warn(`opsbook: ${file}: ${line}`);
	}

	/**
	 * Watches the folder for events other processes append (an `opsbook run` in a terminal), and
	 * hands each batch it takes in to `onAdded`, in the order of the files. Returns the stop.
	 */
	watch(onAdded: (incident: string, events: TimelineEvent[]) => void): () => void {
		privateDir(this.dir, this.#warn);
		const pending = new Set<string>();
		let timer: NodeJS.Timeout | undefined;
		const watcher = watch(this.dir, (_type, name) => {
			if (typeof name !== 'string' || !name.endsWith('.jsonl')) return;
			pending.add(name);
			// A burst of appends is read once; a write of our own reads nothing new.
			timer ??= setTimeout(() => {
				timer = undefined;
				const names = [...pending].sort();
				pending.clear();
				// After the writes under way, and before the next: our own appends are not mixed in.
				this.#queue = this.#queue
					.then(() => {
						for (const name of names) {
							const fresh = this.#takeIn(name);
							if (fresh) onAdded(fresh.incident, fresh.events);
						}
					})
					.catch((error: Error) =>
						this.#warn(`opsbook: reading the timelines again: ${error.message}`),
					);
			}, 50);
		});
		watcher.on('error', (error) => this.#warn(`opsbook: watching ${this.dir}: ${error.message}`));
		return () => {
			clearTimeout(timer);
			watcher.close();
		};
	}

	/** The events of file `name` this bridge has not seen, taken into its record. */
	#takeIn(name: string): { incident: string; events: TimelineEvent[] } | undefined {
		const incident = name.slice(0, -'.jsonl'.length);
		if (!IncidentIdSchema.safeParse(incident).success) return undefined;
		const record = this.#records.get(incident);
		if (!record) {
			// A file another process made: loaded as at start-up.
			try {
				this.#load(name);
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
				throw error;
			}
			const loaded = this.#records.get(incident);
			return loaded && loaded.events.length > 0
				? { incident, events: [...loaded.events] }
				: undefined;
		}
		let text: string;
		const fd = openPrivateFile(record.file, constants.O_RDONLY, 'the timeline file', this.#warn);
		try {
			text = readFileSync(fd, 'utf8');
		} finally {
			closeSync(fd);
		}
		let parsed;
		try {
			parsed = parseTimeline(text);
		} catch (error) {
			if (error instanceof TimelineFileError) return undefined;
			throw error;
		}
		// A line being written as we read is left for the next look: nothing is reported lost.
		const fresh = parsed.events.filter((event) => !record.ids.has(event.id));
		if (fresh.length === 0) return undefined;
		for (const event of fresh) {
			record.ids.add(event.id);
			record.events.push(event);
		}
		record.state = foldIncident(record.events);
		return { incident, events: fresh };
	}

	get(incident: string): IncidentRecord | undefined {
		return this.#records.get(incident);
	}

	/** Every incident kept, newest declaration first, at most `max`. */
	list(max = INCIDENT_LIST_MAX): IncidentSummary[] {
		const summaries: IncidentSummary[] = [];
		for (const { state } of this.#records.values()) {
			if (state) summaries.push(summarizeIncident(state));
		}
		summaries.sort((a, b) => Date.parse(b.declaredAt) - Date.parse(a.declaredAt));
		return summaries.slice(0, max);
	}

	/** The open incident, if any (the latest declared, should a merge ever have left two). */
	open(): IncidentRecord | undefined {
		let found: IncidentRecord | undefined;
		for (const record of this.#records.values()) {
			if (record.state?.open && (!found || lastAt(record) > lastAt(found))) found = record;
		}
		return found;
	}

	/** The incident a page is shown first: the open one, else the one with the latest event. */
	current(): IncidentRecord | undefined {
		const open = this.open();
		if (open) return open;
		let found: IncidentRecord | undefined;
		for (const record of this.#records.values()) {
			if (record.state && (!found || lastAt(record) > lastAt(found))) found = record;
		}
		return found;
	}

	/**
	 * Adds a batch of events, applying the rules of `TimelineAppendSchema`: run events only from
	 * the bridge itself, or in a merge from another bridge; an incident unknown here only with
	 * its declaration; never a second open incident; events already kept are skipped. Resolves
	 * once every added event is on disk. Batches are applied one at a time, in call order.
	 */
	add(events: readonly TimelineEvent[], options: AddOptions): Promise<AddResult> {
		const result = this.#queue.then(() => this.#add(events, options));
		this.#queue = result.catch(() => {});
		return result;
	}

	async #add(events: readonly TimelineEvent[], { from, merge }: AddOptions): Promise<AddResult> {
		const added = new Map<string, TimelineEvent[]>();
		const refuse = (code: ErrorCode, message: string): AddResult => ({
			ok: false,
			code,
			message,
			added,
		});
		if (from === 'page') {
			for (const event of events) {
				if (!BRIDGE_KINDS.has(event.kind)) continue;
				if (!merge)
					return refuse(
						'invalid-event',
						`A page cannot add a "${event.kind}" event: runs are recorded by the bridge that runs them (another responder's runs come in a merge).`,
					);
				if ('bridge' in event && event.bridge === this.bridgeId)
					return refuse(
						'invalid-event',
						`The "${event.kind}" event ${event.id} claims to come from this bridge, which has no record of it; its own runs are recorded here, not handed in.`,
					);
			}
		}
		// By incident, in the batch's order; each event once.
		const batch = new Map<string, { fresh: TimelineEvent[]; echo: TimelineEvent[] }>();
		const seen = new Set<string>();
		for (const event of events) {
			let entry = batch.get(event.incident);
			if (!entry) batch.set(event.incident, (entry = { fresh: [], echo: [] }));
			const key = `${event.incident}\0${event.id}`;
			if (seen.has(key)) continue;
			seen.add(key);
			const record = this.#records.get(event.incident);
			const kept = record?.ids.has(event.id)
				? record.events.find((e) => e.id === event.id)
				: undefined;
			entry.echo.push(kept ?? event);
			if (!kept) entry.fresh.push(event);
		}
		const after = new Map<string, IncidentState | undefined>();
		for (const [incident, { fresh }] of batch) {
			const record = this.#records.get(incident);
			const state = foldIncident([...(record?.events ?? []), ...fresh]);
			if (!state) {
				return refuse(
					'unknown-incident',
					`This bridge has no record of incident "${incident}", and its declaration is not among the events: send the "declared" event with them.`,
				);
			}
			after.set(incident, state);
		}
		for (const [incident, state] of after) {
			const before = this.#records.get(incident)?.state;
			if (!state?.open || before?.open) continue;
			const ids = new Set([...this.#records.keys(), ...after.keys()]);
			ids.delete(incident);
			const other = [...ids]
				.map((id) => (after.has(id) ? after.get(id) : this.#records.get(id)?.state))
				.find((s) => s?.open);
			if (other) {
				return refuse(
					'incident-open',
					`Incident "${other.title}" is open on this bridge: resolve it before ${before ? 'reopening' : 'declaring'} another.`,
				);
			}
		}
		try {
			for (const [incident, { fresh }] of batch) {
				if (fresh.length === 0) continue;
				await this.#write(incident, fresh);
				added.set(incident, fresh);
			}
		} catch (error) {
			return refuse(
				'timeline-failed',
				`The timeline could not be written to disk (${(error as Error).message}), so ${added.size > 0 ? 'only part of it was' : 'nothing was'} added.`,
			);
		}
		return {
			ok: true,
			added,
			echo: new Map([...batch].map(([incident, { echo }]) => [incident, echo])),
		};
	}

	async #write(incident: string, events: TimelineEvent[]) {
		let record = this.#records.get(incident);
		const creating = !record || this.#headerless.has(incident);
		let text = '';
		if (this.#cutOff.has(incident)) text += '\n';
		if (creating) text += timelineLine(timelineHeader(incident, new Date()));
		for (const event of events) text += timelineLine(event);
		const file = record?.file ?? join(this.dir, `${incident}.jsonl`);
		const handle = await this.#handle(incident, file);
		await handle.appendFile(text);
		await handle.datasync();
		this.#cutOff.delete(incident);
		this.#headerless.delete(incident);
		if (!record) {
			record = { id: incident, file, events: [], ids: new Set(), dropped: [], state: undefined };
			this.#records.set(incident, record);
		}
		for (const event of events) {
			record.ids.add(event.id);
			record.events.push(event);
		}
		record.state = foldIncident(record.events);
	}

	#handle(incident: string, file: string): Promise<FileHandle> {
		let handle = this.#handles.get(incident);
		if (!handle) {
			handle = (async () => {
				privateDir(this.dir, this.#warn);
				// Made, or checked again (ours, 0600, no symlink), before the handle that writes it.
				const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT;
				closeSync(openPrivateFile(file, flags, 'the timeline file', this.#warn));
				return open(file, flags | constants.O_NOFOLLOW, 0o600);
			})();
			// A failed open is tried again on the next write.
			handle.catch(() => this.#handles.delete(incident));
			this.#handles.set(incident, handle);
		}
		return handle;
	}

	/** Waits for the writes under way, then closes the files. */
	async close() {
		await this.#queue;
		const handles = [...this.#handles.values()];
		this.#handles.clear();
		for (const handle of handles) await (await handle.catch(() => undefined))?.close();
	}
}

function lastAt(record: IncidentRecord): string {
	let last = '';
	for (const event of record.events) if (event.at > last) last = event.at;
	return last;
}
