package gpu

import "context"

// noneProbe is the probe of a machine without usable GPUs: no devices, empty
// samples, and a Notice explaining why.
type noneProbe struct{ notice string }

// None returns a probe with no devices. notice is shown to the user once, e.g.
// why there are no GPUs; it may be empty when the user asked for "none".
func None(notice string) Probe { return noneProbe{notice: notice} }

func (p noneProbe) Info() Info        { return Info{Backend: "none", Notice: p.notice} }
func (p noneProbe) Devices() []Device { return nil }
func (p noneProbe) Close() error      { return nil }

func (p noneProbe) Sample(ctx context.Context) ([]Sample, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return nil, nil
}
