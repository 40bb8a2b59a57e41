/**
 * How long a run took, in the same words wherever it shows (the run's bar, the Runs panel, the
 * timeline, the report): `35 ms`, `1.2 s`, `13 s`, `2 min 5 s`, `1 h 3 min`.
 */
export function runDuration(ms: number): string {
	// A file merged from elsewhere may hold anything: say nothing rather than "NaN h".
	if (!Number.isFinite(ms)) return '—';
	if (ms < 999.5) return `${Math.max(0, Math.round(ms))} ms`;
	// Tenths while they matter, and never "10.0 s".
	if (ms < 9950) return `${(ms / 1000).toFixed(1)} s`;
	const seconds = Math.round(ms / 1000);
	if (seconds < 60) return `${seconds} s`;
	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
	const hours = Math.floor(minutes / 60);
	return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}
