public enum _QuireStorePlaceholder {}
