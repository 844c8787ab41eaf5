package main

import "github.com/spf13/cobra"

func newMlflowCmd() *cobra.Command {
	return &cobra.Command{Use: "mlflow", Short: "The MLflow-compatible endpoint (not written yet)", Hidden: true}
}
