package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"lathe/engine/client"
	"lathe/engine/config"
	"lathe/tui/format"
)

func newMlflowCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mlflow",
		Short: "The MLflow-compatible endpoint: MLflow's clients log into lathe",
		Long: `With [mlflow] port set in config.toml (or lathe engine start --mlflow-port N),
the engine serves MLflow's REST API on 127.0.0.1, behind a token. Jobs started
by lathe are told MLFLOW_TRACKING_URI, MLFLOW_TRACKING_TOKEN and MLFLOW_RUN_ID,
so mlflow.start_run() inside them logs into their own lathe run; for a script
started elsewhere, eval "$(lathe mlflow env)" first.`,
	}
	cmd.AddCommand(newMlflowEnvCmd())
	return cmd
}

// mlflowEnv is what a shell needs to reach the endpoint.
type mlflowEnv struct {
	URI   string `json:"uri"`
	Token string `json:"token"`
}

func newMlflowEnvCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "env",
		Short:   "Print the export lines that point MLflow's clients at lathe",
		Example: `  eval "$(lathe mlflow env)" && python3 train_with_mlflow.py`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (mlflowEnv, error) {
				s, err := c.Status(ctx)
				if err != nil {
					return mlflowEnv{}, err
				}
				switch {
				case s.MLflow == nil:
					return mlflowEnv{}, fmt.Errorf("the engine does not serve MLflow: set [mlflow] port in %s, or `lathe engine stop` then `lathe engine start --mlflow-port 5000`", config.Path())
				case s.MLflow.Error != "":
					return mlflowEnv{}, fmt.Errorf("the MLflow endpoint is down: %s (`lathe engine stop`, then start the engine again)", s.MLflow.Error)
				}
				e, err := loadEnv()
				if err != nil {
					return mlflowEnv{}, err
				}
				raw, err := os.ReadFile(e.paths.MLflowToken())
				if err != nil {
					return mlflowEnv{}, fmt.Errorf("read the endpoint's token (only the engine's owner can): %w", err)
				}
				return mlflowEnv{URI: s.MLflow.URI, Token: strings.TrimSpace(string(raw))}, nil
			}, func(w io.Writer, m mlflowEnv) error {
				fmt.Fprintf(w, "export MLFLOW_TRACKING_URI=%s\n", format.Quote(m.URI))
				fmt.Fprintf(w, "export MLFLOW_TRACKING_TOKEN=%s\n", format.Quote(m.Token))
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print {uri, token} as JSON")
	return cmd
}
