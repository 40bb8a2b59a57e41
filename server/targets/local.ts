/**
 * The `local` target: the command runs in a pty on the responder's own machine, under a POSIX
 * shell chosen by the block's language, with a minimal, explicit environment: the bridge's own
 * variables (its token, npm's settings) never reach a runbook step. Secrets are in that run's
 * environment only: the command refers to them as variables, so no argv ever holds their values.
 */
import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import type { Target } from '../../src/runbook/config.ts';
import { checkSecrets, type PreparedRun, type SpawnSpec, type TargetDriver } from './target.ts';

/** Variables passed through from the bridge's environment when set. */
const PASSED = [
	'PATH',
	'LANG',
	'LC_ALL',
	'LC_CTYPE',
	'TZ',
	'SSH_AUTH_SOCK',
	'XDG_RUNTIME_DIR',
	'DOCKER_HOST',
];

/** The environment of every run: who the user is, where things are, and a terminal that takes colour. */
export function runEnvironment(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
	const user = userInfo();
	const env: Record<string, string> = {
		HOME: homedir(),
		USER: user.username,
		LOGNAME: user.username,
		SHELL: user.shell ?? '/bin/sh',
		TERM: 'xterm-256color',
		COLORTERM: 'truecolor',
	};
	for (const name of PASSED) {
		const value = source[name];
		if (value !== undefined) env[name] = value;
	}
	env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
	return env;
}

/** The shell a block's language asks for. Rendered commands are quoted for POSIX shells. */
export function shellFor(lang: string): string {
	if (lang === 'zsh' && existsSync('/bin/zsh')) return '/bin/zsh';
	if (lang === 'sh') return '/bin/sh';
	return existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';
}

export function localTarget(name: string, target: Target, env = runEnvironment()): TargetDriver {
	return {
		name,
		target,
		async prepare(command, { lang, secrets }): Promise<PreparedRun> {
			checkSecrets(secrets);
			const spawn: SpawnSpec = {
				file: shellFor(lang),
				args: ['-c', command],
				env: { ...env, ...secrets },
				cwd: env.HOME ?? '/',
			};
			return { spawn };
		},
		async close() {},
	};
}
