public enum EdgeONNXPlaceholder {}
