/**
 * Options that take the next word as their value, by program: what tells an option's value from
 * the subcommand or the command that follows (`kubectl -n rook-ceph get pods`, `docker -c prod
 * exec web psql`). Another option of these programs stands alone; `--flag=value` is always one
 * word. One table for the shell lexer (where a container runner's command starts, `shell.ts`) and
 * the importer (a block named by its subcommand, `src/import/infer.ts`).
 */

/** A container runner's options, its subcommands' (`exec`, `run`) and compose's included. */
const CONTAINER_RUNNER = [
	'-H --host -c --context --config -l --log-level --label -e --env --env-file --env-from',
	'-u --user -w --workdir --detach-keys --index --name -v --volume -p --publish --network --net',
	'--entrypoint --mount --platform --pull -h --hostname --add-host --device --cpus -m --memory',
	'--restart --gpus --ulimit --cap-add --cap-drop --security-opt --tmpfs --log-driver --log-opt',
	'--pid --ipc -f --file --project-name --project-directory --profile --ansi --parallel',
].join(' ');

const KUBECTL =
	'-n --namespace -c --container --context --cluster --user -o --output -l --selector -f --filename --kubeconfig -s --server --as --as-group --token --request-timeout';

export const VALUE_OPTIONS: Readonly<Record<string, ReadonlySet<string>>> = Object.fromEntries(
	Object.entries({
		kubectl: KUBECTL,
		oc: KUBECTL,
		helm: '-n --namespace --kube-context --kubeconfig --registry-config --repository-config',
		docker: CONTAINER_RUNNER,
		'docker-compose': CONTAINER_RUNNER,
		podman: `${CONTAINER_RUNNER} --connection --url --root --runroot`,
		'podman-compose': CONTAINER_RUNNER,
		nerdctl: `${CONTAINER_RUNNER} -n --namespace`,
		systemctl:
			'-u -n --lines -H --host -M --machine -t --type -p --property --state -o --output --since --root -s --signal',
		journalctl:
			'-u --unit --user-unit -n --lines --since --until -S -U -p --priority -o --output -t --identifier -D --directory -M --machine -g --grep -F --field',
		ssh: '-b -B -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w',
		git: '-C -c --git-dir --work-tree --namespace',
	}).map(([program, options]) => [program, new Set(options.split(' '))]),
);
