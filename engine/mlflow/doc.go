// Package mlflow serves MLflow's tracking and model-registry REST API
// (2.0) over lathe's engine, so that scripts which log with MLflow's
// clients log into lathe unchanged. It is one more client of the engine's
// contract: it imports engine/api only, and New takes the slice of the
// service it needs.
//
// How MLflow's entities map onto lathe's:
//   - An experiment is a lathe experiment. Its experiment_id is the number
//     lathe gave it; "0" (MLflow's Default) is lathe's default experiment.
//   - A run is a lathe run: runs/create records one without a job (a
//     tracked run, runner "mlflow"); a job started by lathe is told its own
//     run's id (MLFLOW_RUN_ID), and its status stays the job's. Deleted
//     runs are removed runs (`lathe rm`), which restore within a week.
//   - Metrics, params and tags are the run's; a param is logged once.
//   - Registered models and model versions are the registry's; aliases are
//     its aliases, except `champion`, which only a promotion moves
//     (PERMISSION_DENIED). A version's stage is its tag mlflow.stage.
//
// Errors carry MLflow's error codes and HTTP statuses, which clients branch
// on: RESOURCE_DOES_NOT_EXIST (404), RESOURCE_ALREADY_EXISTS (400),
// INVALID_PARAMETER_VALUE (400), PERMISSION_DENIED (403), UNAUTHENTICATED
// (401), ENDPOINT_NOT_FOUND (404).
package mlflow
