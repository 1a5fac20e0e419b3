public enum _QuireServicePlaceholder {}
