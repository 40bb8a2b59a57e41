/**
 * What the importer guesses about a shell command: which lines are commands and which are their
 * output, how risky it is, and which of its words are placeholders for a value.
 *
 * ```console
 * $ kubectl -n <namespace> delete pod $POD
 * pod "api-7d9" deleted
 * ```
 *
 * reads as the command `kubectl -n {{namespace:word}} delete pod {{pod:word}}` with the output
 * `pod "api-7d9" deleted`, risk `destructive` because of `delete`. Every guess comes with the
 * words it was made from, so the page and the report can say why.
 *
 * Pure: no Node built-ins.
 */

import { VALUE_OPTIONS } from '../runbook/options.ts';

/** The first words of lines that are commands, for telling commands from their output. */
const KNOWN_COMMANDS = new Set(
	`alias ansible apt apt-get aws az bash brew cat cd celery chmod chown cp crictl crontab curl cut
	date dd df dig dmesg docker docker-compose du echo env etcdctl exit export find for free gcloud
	git gitlab-ctl gitlab-rake gitlab-rails gitaly go grep gunzip gzip head helm host hostname htop
	id if ip iptables jq journalctl kill killall kubectl kubeadm less ln ls lsblk lsof make mkdir
	more mount mv mysql mysqladmin nc netstat nginx nslookup nano npm openssl pg_dump pg_isready
	pgrep ping pip pkill podman printf ps psql puppet python python3 read redis-cli rm rsync sed
	service sh sleep sort source ss ssh stat sudo systemctl tail tar tee terraform test timeout top
	touch tr traceroute umount uname uptime vault vi vim watch wc wget which while xargs yum zcat
	zfs zpool cephadm ceph rados rbd mc minio promtool amtool curlie http kafka-topics
	kafka-consumer-groups rabbitmqctl consul nomad etcd openstack virsh multipass lxc cilium hubble
	istioctl linkerd argocd flux kustomize k9s stern oc velero restic borg mongo mongosh mysqldump
	pg_restore pg_basebackup pg_ctl pg_ctlcluster pgbackrest patronictl gitlab-backup sv runsv
	chef-client knife salt ufw firewall-cmd nft tcpdump strace perf vmstat iostat sar lsmod modprobe
	swapoff swapon sysctl reboot shutdown nohup screen tmux set unset true false exec eval time
	wait trap cfssl step certbot base64 sha256sum md5sum awk diff patch unzip zip scp`.split(/\s+/),
);

/** Words no placeholder stands for: the environment a shell already has. */
const ENVIRONMENT = new Set(
	`HOME PATH USER LOGNAME PWD OLDPWD SHELL HOSTNAME TERM LANG LC_ALL EDITOR VISUAL PAGER TMPDIR
	UID EUID PPID RANDOM SECONDS LINENO IFS BASH_SOURCE BASHPID PS1 PS2 KUBECONFIG SSH_AUTH_SOCK
	DISPLAY XDG_RUNTIME_DIR XDG_CONFIG_HOME GOPATH GOROOT JAVA_HOME`.split(/\s+/),
);

/** A shell prompt: `$ `, `user@host:~$ `, `[user@host dir]$ `, `(venv) $ `, and in console blocks `# ` and `% `. */
const PROMPT =
	/^(\s*)(?:\([\w.-]+\)\s*)?(?:[\w.-]+@[\w.-]+(?::[^\s$#%]*)?\s*|\[[^\]\n]+\]\s*)?([$#%])(?:\s(.*)|$)/;

export interface PromptedBlock {
	/**
	 * Each run of commands, and the output shown after it; `line` is where the step starts in the
	 * block (from 0): its first prompt, or its first line of output when no prompt comes before.
	 */
	steps: Array<{ command: string; output: string; line: number }>;
}

/**
 * Reads one line of shell as far as a comment: whether its quotes are still open at its end,
 * given whether they were at its start, and where a comment starts, if one does.
 */
function scanLine(
	line: string,
	open: '"' | "'" | undefined,
): { quote: '"' | "'" | undefined; comment?: number } {
	let quote = open;
	for (let i = 0; i < line.length; i++) {
		const char = line[i]!;
		if (quote === "'") {
			if (char === "'") quote = undefined;
		} else if (char === '\\') i++;
		else if (quote === '"') {
			if (char === '"') quote = undefined;
		} else if (char === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return { quote, comment: i };
		else if (char === '"' || char === "'") quote = char;
	}
	return { quote };
}

/** Whether a line's quotes are still open at its end, given whether they were at its start. */
function openQuote(line: string, open: '"' | "'" | undefined): '"' | "'" | undefined {
	return scanLine(line, open).quote;
}

/** The prompt of a line, if it has one, and the command after it. */
function prompted(line: string, consoleLang: boolean): string | undefined {
	const match = PROMPT.exec(line);
	if (!match) return undefined;
	const [, , sign, rest = ''] = match;
	if (sign !== '$' && !consoleLang) return undefined;
	// `# text` in a console block is a root prompt only if a command follows.
	if (sign !== '$' && !looksLikeCommand(rest)) return undefined;
	return rest;
}

/**
 * Splits a console block into its commands and their output: the prompted lines with their
 * continuations (`\` at the end, an open quote, a here-document, `> ` lines) are commands; the
 * rest is output. Returns nothing when no line has a prompt.
 */
export function splitPrompts(code: string, consoleLang: boolean): PromptedBlock | undefined {
	const lines = code.split('\n');
	if (!lines.some((line) => prompted(line, consoleLang) !== undefined)) return undefined;
	const steps: Array<{ command: string[]; output: string[]; line: number }> = [];
	let i = 0;
	/** Comment lines just above a prompt: they belong to its command. */
	let comments: string[] = [];
	while (i < lines.length) {
		const command = prompted(lines[i]!, consoleLang);
		if (command === undefined && /^\s*#/.test(lines[i]!)) {
			let next = i + 1;
			while (next < lines.length && lines[next]!.trim() === '') next++;
			if (next < lines.length && prompted(lines[next]!, consoleLang) !== undefined) {
				comments.push(lines[i]!.trim());
				i = next;
				continue;
			}
		}
		if (command === undefined) {
			const last = steps[steps.length - 1];
			if (last) last.output.push(lines[i]!);
			else steps.push({ command: [], output: [lines[i]!], line: i });
			i++;
			continue;
		}
		let step = steps[steps.length - 1];
		if (!step || step.output.some((l) => l.trim() !== '')) {
			step = { command: [], output: [], line: i };
			steps.push(step);
		} else {
			step.output = [];
			if (step.command.length === 0) step.line = i;
		}
		step.command.push(...comments, command);
		comments = [];
		let quote = openQuote(command, undefined);
		const heredoc = /<<-?\s*['"]?([A-Za-z_]\w*)['"]?/.exec(command)?.[1];
		let continued = command.endsWith('\\') || quote !== undefined;
		i++;
		if (heredoc) {
			while (i < lines.length) {
				const body = lines[i]!.replace(/^> ?/, '');
				step.command.push(body);
				i++;
				if (body.trim() === heredoc) break;
			}
			continue;
		}
		while (i < lines.length && (continued || /^> /.test(lines[i]!))) {
			const next = lines[i]!.replace(/^> ?/, '');
			step.command.push(next);
			quote = openQuote(next, quote);
			continued = next.endsWith('\\') || quote !== undefined;
			i++;
		}
	}
	return {
		steps: steps.map((s) => ({
			command: s.command.join('\n'),
			output: s.output.join('\n').replace(/^\n+|\s+$/g, ''),
			line: s.line,
		})),
	};
}

/** The words a line's command starts with, past `sudo`, `time` and assignments. */
function firstWord(line: string): string | undefined {
	const words = line.trim().split(/\s+/);
	let i = 0;
	while (
		i < words.length &&
		(/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!) ||
			['sudo', 'time', 'nohup', 'exec'].includes(words[i]!))
	) {
		i++;
	}
	return words[i] ?? words[0];
}

/** A word as it may stand in a block id: lowercase letters, digits and `-`. */
const idWord = (word: string) =>
	word
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-+|-+$/g, '');

/** Programs that feed the command after the pipe, which names the block instead. */
const FEEDERS = new Set(['echo', 'printf', 'yes']);

/** The words of a command as bash splits them: quotes, `$(…)` and `${…}` keep their spaces. */
function shellWords(text: string): string[] {
	const words: string[] = [];
	let word = '';
	let quote: '"' | "'" | undefined;
	let depth = 0;
	for (let i = 0; i < text.length; i++) {
		const char = text[i]!;
		if (quote === "'") {
			if (char === "'") quote = undefined;
		} else if (char === '\\') {
			word += char + (text[i + 1] ?? '');
			i++;
			continue;
		} else if (char === '"') quote = quote === '"' ? undefined : '"';
		else if (!quote && char === "'") quote = "'";
		else if (!quote && (char === '(' || char === '{')) depth++;
		else if (!quote && (char === ')' || char === '}')) depth = Math.max(0, depth - 1);
		else if (!quote && depth === 0 && /\s/.test(char)) {
			if (word) words.push(word);
			word = '';
			continue;
		}
		word += char;
	}
	if (word) words.push(word);
	return words;
}

/**
 * The program a command runs, and its subcommand when a plain word follows it, as a block id
 * writes them: `sudo pg_restore -d app x.dump` → `pg-restore`, `kubectl get pods` →
 * `kubectl-get` (also `kubectl -n rook-ceph get pods` and `kubectl -n $NS get pods`),
 * `docker compose --profile full ps` → `docker-compose-ps`, `./scripts/restore.sh latest` →
 * `restore-latest`. Assignments, `export NAME=$(…)`, a `cd` before the command and `echo …|`
 * feeding it are passed over. `command` when the block names no program (a placeholder, a
 * subshell).
 */
export function commandName(command: string): string {
	const read = readCommand(command);
	if (!read) return 'command';
	const sub = read.words[0];
	return sub !== undefined ? `${read.name}-${idWord(sub)}` : read.name;
}

/**
 * What a command does, in a few words for its title: the program, its subcommand and the
 * object it acts on, as written: `kubectl -n x delete pod <pod>` → `kubectl delete pod`,
 * `sudo systemctl restart nginx` → `systemctl restart nginx`, `docker compose logs -f api` →
 * `docker compose logs`. Nothing when the block names no program.
 */
export function commandTitle(command: string): string | undefined {
	const read = readCommand(command);
	return read && [read.program, ...read.words].join(' ');
}

/** A plain word, as a subcommand or the object a command acts on is written. */
const PLAIN_WORD = /^[a-z][a-z0-9_-]*$/;

/**
 * The program a command runs (its name as written, and as an id writes it) and up to two plain
 * words after it, past options: its subcommand and what it acts on.
 */
function readCommand(
	command: string,
): { program: string; name: string; words: string[] } | undefined {
	const parts = withoutComments(command)
		.replace(/\\\n/g, ' ')
		.split(/\n|&&|\|\||;/)
		.map((part) =>
			part
				.trim()
				// `NAME=$(kubectl get …)` runs what it substitutes; `NAME='<a value>' cmd` runs cmd.
				.replace(/^(?:export|local|readonly)\s+(?=[A-Za-z_]\w*=["']?\$\()/, '')
				.replace(/^[A-Za-z_]\w*=["']?\$\(\s*/, '')
				.replace(/^(?:[A-Za-z_]\w*=(?:'[^']*'|"[^"]*"|<[^>]*>|\S*)\s*)*/, ''),
		)
		.filter((part) => part !== '');
	const at = parts.findIndex(
		(part, n) => !/^(cd|pushd)(\s|$)/.test(part) || n === parts.length - 1,
	);
	let stages = pipeSegments(parts[at] ?? '');
	while (stages.length > 1 && FEEDERS.has(shellWords(stages[0]!)[0] ?? '')) {
		stages = stages.slice(1);
	}
	const words = shellWords(stages[0]!.trim());
	let i = 0;
	for (; i < words.length; i++) {
		const word = words[i]!;
		if (['time', 'nohup', 'exec', 'env'].includes(word)) continue;
		if (word !== 'sudo') break;
		// sudo's own options, and the user or group some take.
		while (words[i + 1]?.startsWith('-')) {
			i++;
			if (/^-[ugpCDhRrTt]$/.test(words[i]!)) i++;
		}
	}
	let program = (words[i] ?? '')
		.split('/')
		.pop()!
		.replace(/\.(sh|bash|py|rb|pl)$/, '');
	if (/[{}$`(<]/.test(words[i] ?? '')) return undefined;
	let name = idWord(program);
	if (name === '') return undefined;
	/** The index of the first word past the options (and their values) starting at `from`. */
	const pastOptions = (from: number): number => {
		const values = VALUE_OPTIONS[name];
		let next = from;
		for (;;) {
			const word = words[next] ?? '';
			if (word === '--' || !word.startsWith('-')) return next;
			if (/^--?[\w-]+=/.test(word)) next++;
			else if (values?.has(word)) next += 2;
			// An option given a placeholder (`-n $NAMESPACE`, `--context <ctx>`), in any program.
			else if (/^--?[\w-]+$/.test(word) && /[$<{]/.test(words[next + 1] ?? '')) next += 2;
			else if (values) next++;
			// Another option of a program not known here ends the search: its value cannot be told.
			else return next;
		}
	};
	let next = pastOptions(i + 1);
	if ((name === 'docker' || name === 'podman') && words[next] === 'compose') {
		name = `${name}-compose`;
		program = `${program} compose`;
		next = pastOptions(next + 1);
	}
	const after: string[] = [];
	const sub = words[next] ?? '';
	if (PLAIN_WORD.test(sub)) {
		after.push(sub);
		const object = words[pastOptions(next + 1)] ?? '';
		// Not a name with digits, which is one pod's or host's (`rook-ceph-osd-fl8fs`).
		if (/^[a-z][a-z_-]*$/.test(object) && object.length <= 24) after.push(object);
	}
	return { program, name, words: after };
}

/** Programs whose plugins are programs of their own: `kubectl-cnpg`, `git-lfs`, `docker-compose`. */
const PLUGIN_HOSTS = /^(kubectl|oc|git|docker|helm|podman)-[a-z][\w-]*$/;

/** A path that names a program: relative (`./run.sh`), in a bin folder, or a script. */
function runnablePath(word: string): boolean {
	return (
		/^(\.{1,2}\/|~\/)/.test(word) ||
		/(^|\/)(s?bin|scripts?|init\.d|libexec)\//.test(word) ||
		/\.(sh|bash|py|rb|pl)$/.test(word)
	);
}

/** The parts of a line between its pipes (`|`, not `||`), quotes and `$(…)` read as bash would. */
function pipeSegments(line: string): string[] {
	const segments: string[] = [];
	let quote: '"' | "'" | undefined;
	let depth = 0;
	let start = 0;
	for (let i = 0; i < line.length; i++) {
		const char = line[i]!;
		if (quote === "'") {
			if (char === "'") quote = undefined;
		} else if (char === '\\') i++;
		else if (char === '"') quote = quote === '"' ? undefined : '"';
		else if (quote) continue;
		else if (char === "'") quote = "'";
		else if (char === '(') depth++;
		else if (char === ')') depth = Math.max(0, depth - 1);
		else if (char === '|' && depth === 0) {
			if (line[i + 1] === '|') i++;
			else {
				segments.push(line.slice(start, i));
				start = i + 1;
			}
		}
	}
	segments.push(line.slice(start));
	return segments;
}

/** Whether the text after a pipe starts as a command would: a program, a path, a variable. */
const startsAsCommand = (segment: string) => /^\s*(?:[a-z_][\w.+-]*|[.~/$"'(])/.test(segment);

/** Whether a line reads as a command (a known program, a path, a variable) rather than output. */
export function looksLikeCommand(line: string): boolean {
	const text = line.trim();
	if (text === '' || text.startsWith('#')) return false;
	const word = firstWord(text) ?? '';
	// Columns split by `|` (`info | 1636380469.57 | postgres | record`) are a log, not a pipeline.
	const segments = pipeSegments(text);
	const piped = segments.length > 1 && segments.slice(1).every(startsAsCommand);
	if (KNOWN_COMMANDS.has(word) || PLUGIN_HOSTS.test(word)) return true;
	// What runs under sudo is a program, known here or not.
	if (/^sudo\s+[\w./~-]/.test(text)) return true;
	if (/^(\.{0,2}\/|~\/)[\w./@%+-]*$/.test(word)) {
		// A file the text names, not a program: `/var/lib/…/core.14177`, `/dev/rbd0 on /mnt …`.
		if (/^\/(dev|proc|sys)\//.test(word)) return false;
		return runnablePath(word) || text !== word;
	}
	if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(text)) return true;
	// An unknown lowercase program given an option or piped on.
	return (
		/^[a-z][a-z0-9_.-]*$/.test(word) &&
		(/(^|\s)-{1,2}[a-zA-Z]/.test(text) || /(^|\s)&&/.test(text) || piped)
	);
}

/**
 * What a line that is not a command reads as, if it is output of a recognisable shape: log lines,
 * timestamps, `key: value` lines, table rows, a file path, an interrupt. Nothing for lines of no
 * telling shape (prose, a bare word, a shell keyword like `done`).
 */
export function outputShape(line: string): string | undefined {
	const text = line.trim();
	if (text === '' || text.startsWith('#') || looksLikeCommand(text)) return undefined;
	if (
		/^\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(text) ||
		/^[A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2}/.test(text) ||
		/^[IWEF]\d{4} \d{2}:\d{2}:\d{2}/.test(text) ||
		/^\[\s*\d+\.\d+\]/.test(text) ||
		/^\d{10}(\.\d+)?\b/.test(text)
	) {
		return 'timestamped log lines';
	}
	if (
		/^\|.*\|$/.test(text) ||
		/^\+[-=+]+$/.test(text) ||
		/^[A-Z][A-Z-]+(?: {2,}[A-Z][A-Z -]*)+$/.test(text)
	) {
		return 'table rows';
	}
	if (pipeSegments(text).length > 2) return 'log lines with | columns';
	if (
		/^\[?(info|warn|warning|error|err|debug|trace|fatal|notice|crit|critical|panic)\]?\s*[|:\]]/i.test(
			text,
		)
	) {
		return 'log lines';
	}
	if (/^\^[A-Z\\]/.test(text)) return 'an interrupted session (^C)';
	if (/^(\/[\w.@%+-]+)+\/?$/.test(text)) return 'a file path with no command';
	if (/^\/(dev|proc|sys)\//.test(text)) return 'a device or file listing';
	if (/^[A-Za-z][\w .()/-]{0,40}?:(\s+\S|$)/.test(text) && !/^[a-z]+:\/\//.test(text)) {
		return 'key: value lines';
	}
	return undefined;
}

/** Whether a shell block holds output only: no line of it reads as a command. */
export function isOutputOnly(code: string): boolean {
	const lines = code.split('\n').filter((l) => l.trim() !== '');
	return lines.length > 0 && !lines.some(looksLikeCommand);
}

/**
 * Why a block with no command reads as output, for the page and the report: the shapes its
 * lines have (`log lines with | columns`, `a file path with no command`), in the order they come.
 */
export function outputShapes(code: string): string[] {
	return [
		...new Set(
			code
				.split('\n')
				.map(outputShape)
				.filter((s) => s !== undefined),
		),
	];
}

/**
 * A block of commands whose last lines are their output, shown without a prompt:
 *
 * ```shell
 * curl "https://gitlab.example.com"
 * curl: (60) SSL certificate problem: unable to get local issuer certificate
 * ```
 *
 * Returns the commands (with the comments between them and the output) and the output, when
 * every line after the last command reads as output of a recognisable shape (`outputShape`);
 * lines inside a command's quotes, here-document or `\` continuation are the command's.
 */
export function splitTrailingOutput(
	code: string,
): { command: string; output: string; shapes: string[] } | undefined {
	const lines = code.split('\n');
	/** Whether each line continues the command before it. */
	const continues: boolean[] = [];
	let quote: '"' | "'" | undefined;
	let continued = false;
	let heredoc: string | undefined;
	for (const line of lines) {
		if (heredoc !== undefined) {
			continues.push(true);
			if (line.trim() === heredoc) heredoc = undefined;
			continue;
		}
		continues.push(continued || quote !== undefined);
		quote = openQuote(line, quote);
		continued = line.trimEnd().endsWith('\\');
		heredoc = /<<-?\s*['"]?([A-Za-z_]\w*)['"]?/.exec(withoutComments(line))?.[1];
	}
	let first = lines.length;
	for (let i = lines.length - 1; i >= 0; i--) {
		const text = lines[i]!.trim();
		if (continues[i]) break;
		if (text === '' || text.startsWith('#')) continue;
		if (outputShape(text) === undefined) break;
		first = i;
	}
	// Comments and blank lines just above the output stay with the commands.
	const command = lines.slice(0, first).join('\n').trimEnd();
	if (first === lines.length || !command.split('\n').some(looksLikeCommand)) return undefined;
	const output = lines.slice(first);
	return {
		command,
		output: output.join('\n').trimEnd(),
		shapes: outputShapes(output.join('\n')),
	};
}

/** The command with its comments taken out, for looking at what it does. */
export function withoutComments(command: string): string {
	return command
		.split('\n')
		.map((line) => line.slice(0, scanLine(line, undefined).comment))
		.join('\n');
}

const DESTRUCTIVE = new Set(
	`rm rmdir unlink shred delete drop truncate prune purge -delete --force pg_terminate_backend
	down restore kill pkill killall destroy wipe flushall flushdb mkfs dd uninstall remove clean
	vacuum --vacuum-time --vacuum-size --vacuum-files terminate evict --prune --purge reset
	--delete`.split(/\s+/),
);
const CHANGE = new Set(
	`restart up start stop reload apply scale edit create install upgrade update set patch
	cordon uncordon drain checkout pull push sync mv cp chmod chown ln mkdir touch tee enable
	disable mount umount label annotate taint rollback replace reboot shutdown insert alter
	grant revoke commit merge revert run rotate renew promote failover resize suspend
	resume pause unpause rebuild reconfigure migrate nano vi vim emacs post put --build undo`.split(
		/\s+/,
	),
);

export interface RiskGuess {
	risk: 'read' | 'change' | 'destructive';
	/** The word the guess was made from; none for read. */
	because?: string;
}

/**
 * The programs a command runs: the first word of each of its commands (past `sudo`, `env` and
 * assignments), and what follows a `--` (`kubectl exec pod -- pg_restore …`).
 */
function programWords(command: string): string[] {
	const programs: string[] = [];
	for (const part of withoutComments(command).split(/\n|&&|\|\||[;|`]|\$\(/)) {
		const words = shellWords(part.trim());
		let i = 0;
		while (
			i < words.length &&
			(/^[A-Za-z_]\w*=/.test(words[i]!) ||
				['sudo', 'time', 'nohup', 'exec', 'env'].includes(words[i]!) ||
				(words[i]!.startsWith('-') && i > 0 && words[i - 1] === 'sudo'))
		) {
			i++;
		}
		if (words[i]) programs.push(words[i]!);
		const dashes = words.indexOf('--');
		if (dashes >= 0 && words[dashes + 1]) programs.push(words[dashes + 1]!);
	}
	return programs;
}

/**
 * The command with the read-only form of a change word taken out: `mount` with no device
 * (`mount`, `mount -l -t ext4`, `mount | grep rbd`) lists mounts. (`rollout` is no change word:
 * `kubectl rollout history|status` read, `rollout restart|undo|pause` change by their verb.)
 */
function readOnlyForms(command: string): string {
	return command.replace(
		/(^|[\n;&|(]\s*|\bsudo\s+)mount(?=(?:\s+-[lv]+|\s+-t\s+[\w,]+|\s+--types\s+[\w,]+)*\s*(?:$|[\n;&|)]))/gm,
		'$1mounts-listed',
	);
}

/**
 * Guesses a command's risk from its words (comments left out): the highest risk any word has.
 * Guessing high is the safe mistake, and the page marks every guess for review.
 */
export function inferRisk(command: string): RiskGuess {
	const tokens = readOnlyForms(withoutComments(command))
		.split(/[\s;|&()<>`"'=,{}\\]+/)
		.map((w) => w.toLowerCase())
		.filter(Boolean);
	// A script or a program says what it does in its name: `scripts/restore.sh`,
	// `force-delete.py`, `pg_restore`, `set-ceph-debug-level`.
	const programs = new Set(programWords(command).map((w) => w.toLowerCase()));
	const words = tokens.flatMap((w) =>
		/\.(sh|bash|py|rb|pl)$/.test(w) || programs.has(w)
			? [w, ...(w.split('/').pop() ?? '').replace(/\.(sh|bash|py|rb|pl)$/, '').split(/[-_.]/)]
			: [w],
	);
	// `kubectl drain --delete-emptydir-data` (once `--delete-local-data`) deletes the pods' data.
	const destructive = words.find((w) => DESTRUCTIVE.has(w) || /^--delete-[a-z]/.test(w));
	if (destructive) return { risk: 'destructive', because: destructive };
	const change = words.find((w) => CHANGE.has(w));
	if (change) return { risk: 'change', because: change };
	// Writing a file is a change; writing to /dev/null or a descriptor is not.
	const redirect = /(^|[^0-9&<>-])>>?\s*(?!&|\/dev\/null)([^\s;|&]+)/m.exec(
		withoutComments(command),
	);
	if (redirect) return { risk: 'change', because: `> ${redirect[2]}` };
	return { risk: 'read' };
}

/** The word a responder types to confirm a destructive block, from the word that made it so. */
export function confirmWord(because: string): string {
	if (because === 'pg_terminate_backend') return 'terminate';
	if (because.startsWith('--delete-')) return 'delete';
	const word = because.replace(/^-+/, '').replace(/[^A-Za-z0-9._-]/g, '');
	return (word.startsWith('vacuum') ? 'vacuum' : word).slice(0, 40) || 'confirm';
}

/** Programs that take the terminal: editors, pagers, monitors. */
const TERMINAL_PROGRAMS = new Set([
	'nano',
	'vi',
	'vim',
	'emacs',
	'less',
	'more',
	'top',
	'htop',
	'k9s',
]);

/** Whether the command takes over the terminal (an editor, a pager), and which program does. */
export function takesTerminal(command: string): string | undefined {
	for (const line of withoutComments(command).split('\n')) {
		// A shell inside a container or pod: `oc rsh POD`, `kubectl exec -it POD -- bash`.
		const shell = /\b(rsh|exec\s+(?:-\w+\s+)*-(?:it|ti))\b/.exec(line);
		if (shell) return shell[1]!.replace(/\s+.*/, ' -it').replace('exec -it', 'exec -it');
		for (const part of line.split(/\||&&|;/)) {
			const word = firstWord(part);
			if (word && TERMINAL_PROGRAMS.has(word)) return word;
		}
	}
	return undefined;
}

/** A parameter's type, as the model writes it (`src/runbook/params.ts`). */
export type ParamType = 'int' | 'int(1..65535)' | 'sha' | 'word';

/** A parameter made from a placeholder. */
export interface Placeholder {
	name: string;
	type: ParamType;
	/** The spellings it was made from, as written: `<PID>`, `$NAMESPACE`, `${POD}`. */
	spellings: string[];
}

const INT_NAME =
	/(^|_)(pid|port|count|num|number|n|replicas|lines|limit|size|seconds|secs|minutes|mins|hours|days|timeout|uid|gid|index|idx|retries|interval|percent|threads|workers|shards|partitions?|weeks|ttl|max|min|depth|tail|since_seconds|lag|offset|epoch|revision|rev|generation)(_|$)/;
const SHA_NAME = /(^|_)(sha|commit|hash|commit_sha|git_sha|sha1|sha256)(_|$)/;
const PORT_NAME = /(^|_)port(_|$)/;

/**
 * The type a placeholder's name suggests: a TCP/UDP port's range for port-like names, `int` for
 * pid/count-like names and revisions (`kubectl rollout undo --to-revision=<revision>` takes a
 * number), `sha` for commits and hashes.
 */
export function typeForName(name: string): ParamType {
	if (SHA_NAME.test(name)) return 'sha';
	if (PORT_NAME.test(name)) return 'int(1..65535)';
	if (INT_NAME.test(name)) return 'int';
	return 'word';
}

/** A parameter name from a placeholder's text: `backup-file` → `backup_file`, `PID` → `pid`. */
export function paramName(text: string): string {
	const name = text
		.toLowerCase()
		.replace(/^your[-_ ]/, '')
		.replace(/[^a-z0-9]+/g, '_')
		.replace(/^_+|_+$/g, '');
	return /^[a-z_]/.test(name) ? name || 'value' : `p_${name}`;
}

/** A piece of a command: literal text, or a placeholder to become a parameter. */
export type Piece =
	string | { name: string; spelling: string; kind: 'angle' | 'braces' | 'variable' };

const GO_TEMPLATE_WORDS = new Set([
	'end',
	'else',
	'range',
	'if',
	'with',
	'define',
	'template',
	'block',
	'break',
	'continue',
]);

/** Variables the command itself sets: assignments, `export`, `read`, `for … in`, `local`. */
function assigned(command: string): Set<string> {
	const names = new Set<string>();
	for (const m of command.matchAll(
		/(?:^|[\s;&|(`])(?:export\s+|local\s+|declare\s+(?:-\w+\s+)*|readonly\s+)?([A-Za-z_]\w*)(?:\[[^\]]*\])?\+?=/g,
	))
		names.add(m[1]!);
	for (const m of command.matchAll(/\bfor\s+([A-Za-z_]\w*)\s+in\b/g)) names.add(m[1]!);
	for (const m of command.matchAll(/\bread\s+((?:-\w+\s+(?:\S+\s+)?)*)([A-Za-z_][\w\s]*)/g)) {
		for (const name of m[2]!.trim().split(/\s+/)) names.add(name);
	}
	for (const m of command.matchAll(/\bexport\s+([A-Za-z_]\w*)\b/g)) names.add(m[1]!);
	return names;
}

/**
 * Finds the placeholders of a command: `<name>`, `{{ name }}`, `${NAME}` and `$NAME` that the
 * command does not set itself (nor the shell's own environment, like `$HOME`). A `$NAME` inside
 * '…' is literal to bash and stays.
 */
export function findPlaceholders(command: string): Piece[] {
	const set = assigned(command);
	const pieces: Piece[] = [];
	let text = '';
	let quote: '"' | "'" | undefined;
	let comment = false;
	const push = (piece: Piece) => {
		if (text) pieces.push(text);
		text = '';
		pieces.push(piece);
	};
	for (let i = 0; i < command.length;) {
		const rest = command.slice(i);
		const char = command[i]!;
		if (char === '\n') {
			comment = false;
			text += char;
			i++;
			continue;
		}
		if (comment) {
			text += char;
			i++;
			continue;
		}
		if (quote !== "'" && char === '\\') {
			text += command.slice(i, i + 2);
			i += 2;
			continue;
		}
		if (quote === undefined && char === '#' && (i === 0 || /\s/.test(command[i - 1]!))) {
			comment = true;
			text += char;
			i++;
			continue;
		}
		// `NAME='<value from the alert>'`: the quotes belong to the placeholder, the name to the variable.
		const quoted =
			quote === undefined ? /^(['"])<([^'"\n<>]*(?:"[^"\n]*"[^'"\n<>]*)*)>\1/.exec(rest) : null;
		if (quoted) {
			const variable = /([A-Za-z_]\w*)=$/.exec(text)?.[1];
			push({ name: paramName(variable ?? quoted[2]!), spelling: quoted[0], kind: 'angle' });
			i += quoted[0].length;
			continue;
		}
		const angle = /^<([A-Za-z][\w.-]*(?: [\w.-]+){0,3})>/.exec(rest);
		if (angle && command[i - 1] !== '<' && !/^(EOF|END)$/.test(angle[1]!)) {
			push({ name: paramName(angle[1]!), spelling: angle[0], kind: 'angle' });
			i += angle[0].length;
			continue;
		}
		const braces = /^\{\{\s*([A-Za-z_][\w-]*)\s*\}\}/.exec(rest);
		// Go templates (`{{range …}}{{end}}`) are the program's own, and stay.
		if (braces && quote !== "'" && !GO_TEMPLATE_WORDS.has(braces[1]!)) {
			push({ name: paramName(braces[1]!), spelling: braces[0], kind: 'braces' });
			i += braces[0].length;
			continue;
		}
		const variable = /^\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/.exec(rest);
		if (variable && quote !== "'") {
			const name = variable[1] ?? variable[2]!;
			if (!set.has(name) && !ENVIRONMENT.has(name)) {
				push({ name: paramName(name), spelling: variable[0], kind: 'variable' });
				i += variable[0].length;
				continue;
			}
		}
		if (char === '"' && quote !== "'") quote = quote === '"' ? undefined : '"';
		else if (char === "'" && quote !== '"') quote = quote === "'" ? undefined : "'";
		text += char;
		i++;
	}
	if (text) pieces.push(text);
	return pieces;
}
