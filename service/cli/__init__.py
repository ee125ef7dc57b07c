"""Every `yuqing` console command."""
