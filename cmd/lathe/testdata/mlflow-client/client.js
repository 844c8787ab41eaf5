// Logs a run through npm's MLflow client, as a script written for MLflow
// would, to the server MLFLOW_TRACKING_URI names (with the bearer token
// MLFLOW_TRACKING_TOKEN), and prints what it made as one JSON line.
const MLflow = require('mlflow').default || require('mlflow')

const client = new MLflow({
  endpoint: process.env.MLFLOW_TRACKING_URI,
  headers: { Authorization: 'Bearer ' + process.env.MLFLOW_TRACKING_TOKEN },
})
const { Experiments, Runs, Metrics } = client

// The library logs every request body on stdout; the result goes last.
const out = {}
;(async () => {
  const { experiment_id } = await Experiments.create({ name: 'npm-client' })
  out.experiment_id = experiment_id
  const { experiment } = await Experiments.get({ experiment_id })
  out.experiment_name = experiment.name
  const { run } = await Runs.create({
    experiment_id,
    start_time: Date.now(),
    tags: [{ key: 'mlflow.runName', value: 'from-npm' }, { key: 'team', value: 'vision' }],
  })
  const run_id = run.info.run_id
  out.run_id = run_id
  for (let step = 0; step < 5; step++) {
    await Runs.logMetric({ run_id, key: 'loss', value: 1 / (step + 1), timestamp: Date.now(), step })
  }
  await Runs.logParameter({ run_id, key: 'lr', value: '0.01' })
  await Runs.setTag({ run_id, key: 'stage', value: 'test' })
  await Runs.logBatch({
    run_id,
    metrics: [{ key: 'acc', value: 0.5, timestamp: Date.now(), step: 0 }, { key: 'acc', value: 0.75, timestamp: Date.now(), step: 1 }],
    params: [{ key: 'epochs', value: '2' }],
    tags: [{ key: 'note', value: 'batch' }],
  })
  try {
    await Runs.logParameter({ run_id, key: 'lr', value: '0.5' })
    out.relog = 'accepted'
  } catch (e) {
    out.relog = JSON.parse(e.message.replace(/^Error: /, '')).data.error_code
  }
  const history = await Metrics.getHistory({ run_id, metric_key: 'loss' })
  out.loss_points = history.metrics.length
  const found = await Runs.search({ experiment_ids: [experiment_id], filter: "metrics.acc > 0.7" })
  out.found = (found.runs || []).map((r) => r.info.run_id)
  await Runs.update({ run_id, status: 'FINISHED', end_time: Date.now() })
  console.log(JSON.stringify(out))
})().catch((e) => {
  console.error(e.message)
  process.exit(1)
})
