public enum _QuireProjectionsPlaceholder {}
