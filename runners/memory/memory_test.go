package memory

import (
	"testing"

	"lathe/runners"
	"lathe/runners/runnertest"
)

func TestRunnerContract(t *testing.T) {
	runnertest.Run(t, func(t *testing.T) runners.Runner { return New() })
}
