package metricline

import "testing"

// BenchmarkParseAuto measures --parse auto on the lines it meets: prose
// (the common case, read by nothing), a Keras progress line and a Hugging
// Face Trainer dict.
func BenchmarkParseAuto(b *testing.B) {
	for _, bc := range []struct{ name, line string }{
		{"text", "Downloading data from https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz (11490434 bytes)"},
		{"keras", "1875/1875 [==============================] - 3s 1ms/step - loss: 0.3127 - accuracy: 0.9031 - val_loss: 0.29 - val_accuracy: 0.91"},
		{"hf", "{'loss': 0.41, 'grad_norm': 1.2, 'learning_rate': 5e-05, 'epoch': 0.5}"},
	} {
		line := []byte(bc.line)
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			for b.Loop() {
				ParseOutput(line, ModeAuto)
			}
		})
	}
}
